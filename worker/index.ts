import { join } from 'node:path';
import { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { closeComputePool } from '../compute';
import type { DepsOptions } from '../activities/deps';
import { DEFAULT_TASK_QUEUE } from '../workflows/definitions';

/** Builds a worker for the decision saga. Workers are stateless: run as many as you like. */
export interface KineticWorkerOptions extends DepsOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  /** A pre-built workflow bundle (tests, fast start); otherwise workflows/ is bundled at start. */
  workflowBundlePath?: string;
  identity?: string;
  maxConcurrentActivityTaskExecutions?: number;
}

export async function createKineticWorker(opts: KineticWorkerOptions): Promise<Worker> {
  const workflows: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> = opts.workflowBundlePath
    ? { workflowBundle: { codePath: opts.workflowBundlePath } }
    : { workflowsPath: join(__dirname, '..', 'workflows', 'index.ts') };
  const worker = await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace ?? 'default',
    taskQueue: opts.taskQueue ?? DEFAULT_TASK_QUEUE,
    ...(opts.identity ? { identity: opts.identity } : {}),
    ...workflows,
    activities: createActivities({ configPath: opts.configPath, provisioner: opts.provisioner, metrics: opts.metrics }),
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions ?? 50,
  });
  // Forecast fits run on the compute pool's threads; they end when the worker stops (run and runUntil).
  const run = worker.run.bind(worker);
  worker.run = () => run().finally(closeComputePool);
  return worker;
}

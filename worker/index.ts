import { join } from 'node:path';
import { bundleWorkflowCode, NativeConnection, Runtime, Worker, WorkerOptions } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { createActivities } from '../activities';
import { warnAboutAuth } from '../auth/startup-warning';
import { closeComputePool } from '../compute';
import { dataConverterFromConfig } from '../encryption/from-config';
import type { DepsOptions } from '../activities/deps';
import { budgetTaskQueue } from '../workflows/budget-definitions';
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
  /** How long a workflow's next task waits for this worker's cache before any worker takes it. */
  stickyQueueScheduleToStartTimeout?: WorkerOptions['stickyQueueScheduleToStartTimeout'];
  /** Interceptors of the decision worker (tests: pause a step so a crash can hit it). */
  interceptors?: WorkerOptions['interceptors'];
  /** Payload codecs etc.; by default what kinetic.yaml's `encryption:` asks for (none: plain JSON). */
  dataConverter?: DataConverter;
}

/**
 * The returned worker polls the decision task queue; running it also runs a second, small worker
 * on `<queue>-budget` for the budget authorities (see budgetTaskQueue), with the same activities.
 * `run`, `runUntil` and `shutdown` drive both.
 */
export async function createKineticWorker(opts: KineticWorkerOptions): Promise<Worker> {
  warnAboutAuth(opts.configPath);
  // One bundle for both workers.
  const dataConverter = opts.dataConverter ?? dataConverterFromConfig(opts.configPath);
  // The bundle carries the failure converter (workflow-side failures); a pre-built one keeps its own.
  const workflowBundle = opts.workflowBundlePath
    ? { codePath: opts.workflowBundlePath }
    : {
        code: (
          await bundleWorkflowCode({
            workflowsPath: join(__dirname, '..', 'workflows', 'index.ts'),
            logger: Runtime.instance().logger,
            ...(dataConverter?.failureConverterPath ? { failureConverterPath: dataConverter.failureConverterPath } : {}),
          })
        ).code,
      };
  const activities = createActivities({ configPath: opts.configPath, provisioner: opts.provisioner, metrics: opts.metrics, ledger: opts.ledger });
  const taskQueue = opts.taskQueue ?? DEFAULT_TASK_QUEUE;
  const common = { connection: opts.connection, namespace: opts.namespace ?? 'default', workflowBundle, activities, ...(dataConverter ? { dataConverter } : {}) };
  const worker = await Worker.create({
    ...common,
    taskQueue,
    ...(opts.identity ? { identity: opts.identity } : {}),
    ...(opts.stickyQueueScheduleToStartTimeout ? { stickyQueueScheduleToStartTimeout: opts.stickyQueueScheduleToStartTimeout } : {}),
    ...(opts.interceptors ? { interceptors: opts.interceptors } : {}),
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions ?? 50,
  });
  const budget = await Worker.create({
    ...common,
    taskQueue: budgetTaskQueue(taskQueue),
    ...(opts.identity ? { identity: `${opts.identity}/budget` } : {}),
    // Every decision waits on an authority: when the worker caching one dies, another takes over within a second.
    stickyQueueScheduleToStartTimeout: '1s',
    maxConcurrentActivityTaskExecutions: 20,
  });
  const run = worker.run.bind(worker);
  worker.run = async () => {
    const budgetRun = budget.run();
    // Without its budget worker this process could not answer reservations: stop it too.
    budgetRun.catch(() => worker.getState() === 'RUNNING' && worker.shutdown());
    try {
      await run();
    } finally {
      if (budget.getState() === 'RUNNING') budget.shutdown();
      await budgetRun.finally(closeComputePool);
    }
  };
  return worker;
}

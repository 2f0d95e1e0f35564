import { readFileSync } from 'node:fs';
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
import { decisionActivityInterceptor } from '../observability/activity-decision';
import { TRACING_WORKFLOW_MODULE, tracingWorkerOptions, type Tracing } from '../observability/tracing';

/**
 * The workflow interceptor modules of a worker's bundle: decisionId on workflow log lines and in
 * activity headers, always; Temporal's OpenTelemetry interceptors and Kinetic's span attributes
 * when the worker traces. A pre-built bundle (`workflowBundlePath`) must have been built with the
 * same list (bundleWorkflowCode's `workflowInterceptorModules`).
 */
export function workflowInterceptorModules(opts: { tracing: boolean }): string[] {
  return [join(__dirname, '..', 'workflows', 'decision-interceptors.ts'), ...(opts.tracing ? [TRACING_WORKFLOW_MODULE] : [])];
}

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
  /** Traces (observability/tracing.ts startTracing): spans of every decision this worker runs. */
  tracing?: Tracing;
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
  const tracing = opts.tracing;
  if (tracing && opts.workflowBundlePath && !readFileSync(opts.workflowBundlePath, 'utf8').includes('OpenTelemetryInboundInterceptor')) {
    throw new Error(
      `tracing is on but the workflow bundle ${opts.workflowBundlePath} has no tracing interceptors: build it with workflowInterceptorModules({ tracing: true }) (worker/index.ts)`,
    );
  }
  const workflowBundle = opts.workflowBundlePath
    ? { codePath: opts.workflowBundlePath }
    : {
        code: (
          await bundleWorkflowCode({
            workflowsPath: join(__dirname, '..', 'workflows', 'index.ts'),
            workflowInterceptorModules: workflowInterceptorModules({ tracing: Boolean(tracing) }),
            logger: Runtime.instance().logger,
            ...(dataConverter?.failureConverterPath ? { failureConverterPath: dataConverter.failureConverterPath } : {}),
          })
        ).code,
      };
  const activities = createActivities({ configPath: opts.configPath, provisioner: opts.provisioner, metrics: opts.metrics, ledger: opts.ledger });
  const taskQueue = opts.taskQueue ?? DEFAULT_TASK_QUEUE;
  // Traced: OpenTelemetry's activity interceptor first, so Kinetic's sees its RunActivity span.
  const traced = tracing ? tracingWorkerOptions(tracing) : undefined;
  const activityInterceptors = [...(traced?.activity ?? []), decisionActivityInterceptor];
  const common = {
    connection: opts.connection,
    namespace: opts.namespace ?? 'default',
    workflowBundle,
    activities,
    ...(dataConverter ? { dataConverter } : {}),
    ...(traced ? { sinks: traced.sinks } : {}),
  };
  const worker = await Worker.create({
    ...common,
    taskQueue,
    ...(opts.identity ? { identity: opts.identity } : {}),
    ...(opts.stickyQueueScheduleToStartTimeout ? { stickyQueueScheduleToStartTimeout: opts.stickyQueueScheduleToStartTimeout } : {}),
    interceptors: { ...opts.interceptors, activity: [...activityInterceptors, ...(opts.interceptors?.activity ?? [])] },
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions ?? 50,
  });
  const budget = await Worker.create({
    ...common,
    taskQueue: budgetTaskQueue(taskQueue),
    ...(opts.identity ? { identity: `${opts.identity}/budget` } : {}),
    // Every decision waits on an authority: when the worker caching one dies, another takes over within a second.
    stickyQueueScheduleToStartTimeout: '1s',
    maxConcurrentActivityTaskExecutions: 20,
    interceptors: { activity: activityInterceptors },
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

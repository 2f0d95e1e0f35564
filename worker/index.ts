import { SimplePlugin } from '@temporalio/plugin';
import { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { warnAboutAuth } from '../auth/startup-warning';
import type { DepsOptions } from '../activities/deps';
import { kineticWorkerPlugins, type KineticTelemetryOptions } from '../plugins';
import type { Tracing } from '../observability/tracing';

export { workflowInterceptorModules } from '../plugins/workflow-bundle';
import { DEFAULT_TASK_QUEUE } from '../workflows/definitions';

/** Builds a worker for the decision saga. Workers are stateless: run as many as you like. */
export interface KineticWorkerOptions extends DepsOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  /** A pre-built workflow bundle (tests, fast start); otherwise Kinetic's (plugins/workflow-bundle.ts). */
  workflowBundlePath?: string;
  identity?: string;
  maxConcurrentActivityTaskExecutions?: number;
  /** How long a workflow's next task waits for this worker's cache before any worker takes it. */
  stickyQueueScheduleToStartTimeout?: WorkerOptions['stickyQueueScheduleToStartTimeout'];
  /** Interceptors of the decision worker (tests: pause a step so a crash can hit it). */
  interceptors?: WorkerOptions['interceptors'];
  /** Payload codecs etc.; by default what kinetic.yaml's `encryption:` asks for (none: plain JSON). */
  dataConverter?: DataConverter;
  /** Create or update the learning schedules at start as the config says (`kinetic worker`); default false. */
  applySchedules?: boolean;
  /** The /metrics endpoint served while the worker runs. */
  telemetry?: KineticTelemetryOptions;
  /** Called when `run` has set up every plugin (schedules, /metrics) and starts polling. */
  onRunning?: () => void;
  /** Traces (observability/tracing.ts startTracing): spans of every decision this worker runs. */
  tracing?: Tracing;
}

/**
 * A worker with Kinetic's plugins (plugins/): it polls the decision task queue; running it also runs
 * a second, small worker on `<queue>-budget` for the budget authorities (kineticDecisions does),
 * so `run`, `runUntil` and `shutdown` drive both.
 */
export async function createKineticWorker(opts: KineticWorkerOptions): Promise<Worker> {
  warnAboutAuth(opts.configPath);
  const plugins = kineticWorkerPlugins(
    {
      config: opts.configPath,
      provisioner: opts.provisioner,
      metrics: opts.metrics,
      ledger: opts.ledger,
      applySchedules: opts.applySchedules ?? false,
      telemetry: opts.tracing ? { ...opts.telemetry, tracing: opts.tracing } : opts.telemetry,
    },
    !opts.dataConverter,
  );
  const { onRunning } = opts;
  if (onRunning) plugins.push(new SimplePlugin({ name: 'kinetic.on-running', runContext: (next) => (onRunning(), next()) }));
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace ?? 'default',
    taskQueue: opts.taskQueue ?? DEFAULT_TASK_QUEUE,
    plugins,
    ...(opts.workflowBundlePath ? { workflowBundle: { codePath: opts.workflowBundlePath } } : {}),
    ...(opts.dataConverter ? { dataConverter: opts.dataConverter } : {}),
    ...(opts.identity ? { identity: opts.identity } : {}),
    ...(opts.stickyQueueScheduleToStartTimeout ? { stickyQueueScheduleToStartTimeout: opts.stickyQueueScheduleToStartTimeout } : {}),
    ...(opts.interceptors ? { interceptors: opts.interceptors } : {}),
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions ?? 50,
  });
}

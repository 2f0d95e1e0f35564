/**
 * Kinetic as Temporal plugins (`kinetic/plugins`): add them to your own worker, e.g.
 *   Worker.create({ connection, taskQueue, plugins: [kineticDecisions({ config })] })
 * `kinetic worker` is built on the same plugins (kineticWorkerPlugins).
 */
import type { WorkerPlugin } from '@temporalio/worker';
import { createDeps } from '../activities/deps';
import { kineticDecisions, type KineticDecisionsOptions } from './decisions';
import { kineticEncryption } from './encryption';
import { kineticLearning } from './learning';
import { kineticTelemetry, type KineticTelemetryOptions } from './telemetry';

export { kineticDecisions, KineticDecisionsPlugin, DECISIONS_PLUGIN, type KineticDecisionsOptions } from './decisions';
export { kineticLearning, KineticLearningPlugin, type KineticLearningOptions } from './learning';
export { kineticEncryption, type KineticEncryptionOptions } from './encryption';
export { kineticTelemetry, KineticTelemetryPlugin, type KineticTelemetryOptions } from './telemetry';
export { installRuntimeWithPrometheus } from '../observability/metrics-server';
export { KINETIC_WORKFLOWS_PATH, kineticWorkflowBundle, workflowInterceptorModules, WORKFLOW_PRELOAD_MODULES } from './workflow-bundle';
export { SEARCH_ATTRIBUTES } from '../workflows/definitions';

export interface KineticWorkerPluginOptions extends KineticDecisionsOptions {
  /** false: the worker does not touch schedules (tests); otherwise the config's schedules.applyOnWorkerStart decides. */
  applySchedules?: boolean;
  telemetry?: KineticTelemetryOptions;
}

/** Everything `kinetic worker` runs, in the order that matters: encryption and telemetry before decisions. */
export function kineticWorkerPlugins(opts: KineticWorkerPluginOptions = {}, encryption = true): WorkerPlugin[] {
  const { applySchedules, telemetry, ...decisions } = opts;
  // One provisioner cache for both: a Pulumi workspace per service, not one per plugin.
  const deps = opts.deps ?? createDeps({ configPath: opts.config, provisioner: opts.provisioner, metrics: opts.metrics, ledger: opts.ledger });
  const learning = { config: opts.config, deps, applySchedules };
  return [
    ...(encryption ? [kineticEncryption({ config: opts.config })] : []),
    // Before decisions: its tracing interceptors wrap the decision's, and its workflow modules go into the bundle.
    ...(telemetry ? [kineticTelemetry(telemetry)] : []),
    kineticDecisions({ ...decisions, deps }),
    kineticLearning(learning),
  ];
}

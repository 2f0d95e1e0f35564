/**
 * kineticDecisions: the scaling-decision saga in any Temporal worker — its activities, Kinetic's
 * workflow bundle (unless the worker brings its own), the search attributes decisions are listed
 * by, and the small second worker the budget authorities run on (`<taskQueue>-budget`).
 */
import { readFileSync } from 'node:fs';
import { SimplePlugin } from '@temporalio/plugin';
import { Runtime, Worker, type ReplayWorkerOptions, type WorkerOptions, type WorkerPlugin } from '@temporalio/worker';
import { decisionActivities } from '../activities';
import { createDeps, type ActivityDeps, type DepsOptions } from '../activities/deps';
import { closeComputePool } from '../compute';
import { loadConfig, type LoadedConfig } from '../config/load';
import { readsTimestampedCsv } from '../metrics/csv-source';
import { loadDanfo } from '../models/data/frames';
import { budgetTaskQueue } from '../workflows/budget-definitions';
import { decisionActivityInterceptor } from '../observability/activity-decision';
import { DECISION_TRACE_SINK } from '../observability/decision-trace';
import { TRACING_WORKFLOW_MODULE } from '../observability/tracing';
import { kineticWorkflowBundle, WORKFLOW_PRELOAD_MODULES } from './workflow-bundle';
import { ensureSearchAttributes } from './search-attributes';

export const DECISIONS_PLUGIN = 'kinetic.decisions';

export interface KineticDecisionsOptions extends Omit<DepsOptions, 'configPath'> {
  /** Path of kinetic.yaml; default KINETIC_CONFIG, else ./kinetic.yaml. Re-read per activity. */
  config?: string;
  /** One set of dependencies shared with the other Kinetic plugins (kineticWorkerPlugins does this). */
  deps?: ActivityDeps;
  /** Register Kinetic's search attributes in the namespace when missing (default true). */
  registerSearchAttributes?: boolean;
  /** Options of the budget authorities' worker (identity etc.); `false`: run it elsewhere. */
  budgetWorker?: false | Pick<WorkerOptions, 'identity' | 'maxConcurrentActivityTaskExecutions'>;
}

/** A WorkerPlugin of its own (SimplePlugin's hooks are synchronous; picking the bundle is not). */
export class KineticDecisionsPlugin implements WorkerPlugin {
  readonly name = DECISIONS_PLUGIN;
  private readonly acts: ReturnType<typeof decisionActivities>;
  /** Merges the activities into the worker's, as any SimplePlugin does. */
  private readonly simple: SimplePlugin;
  private readonly budgetWorkers = new WeakSet<Worker>();
  private readonly deps: ActivityDeps;

  constructor(private readonly opts: KineticDecisionsOptions = {}) {
    this.deps = opts.deps ?? createDeps({ ...opts, configPath: opts.config });
    this.acts = decisionActivities(this.deps);
    this.simple = new SimplePlugin({ name: DECISIONS_PLUGIN, activities: this.acts });
  }

  async configureWorker(options: WorkerOptions): Promise<WorkerOptions> {
    await this.loadFramesIfNeeded();
    const configured = this.simple.configureWorker(options);
    // The decision id on every step's log lines and spans; after a tracing plugin's interceptor, so it sees its span.
    const out: WorkerOptions = { ...configured, interceptors: { ...configured.interceptors, activity: [...(configured.interceptors?.activity ?? []), decisionActivityInterceptor] } };
    this.checkEncryption(out.dataConverter?.payloadCodecs?.length ?? 0);
    // Before the worker exists, so the first decision it runs can already be listed by them.
    if (out.connection && this.opts.registerSearchAttributes !== false) {
      await ensureSearchAttributes(out.connection, out.namespace ?? 'default', (m) => Runtime.instance().logger.warn(m));
    }
    // A bundle the worker builds from the user's workflows (which re-export Kinetic's): Kinetic's pure modules load once per context, not once per decision.
    if (out.workflowsPath) return { ...out, bundlerOptions: { ...out.bundlerOptions, preloadModules: [...new Set([...(out.bundlerOptions?.preloadModules ?? []), ...WORKFLOW_PRELOAD_MODULES])] } };
    const modules = out.interceptors?.workflowModules ?? [];
    if (out.workflowBundle) {
      checkTracedBundle(out.workflowBundle, modules);
      return withoutWorkflowModules(out);
    }
    // Kinetic's bundle, with the workflow interceptor modules plugins asked for (e.g. kineticTelemetry's tracing).
    return withoutWorkflowModules({ ...out, workflowBundle: await kineticWorkflowBundle(out.dataConverter?.failureConverterPath, modules) });
  }

  /**
   * danfojs loads synchronously (1–4 s). A worker whose services read timestamped CSVs loads it
   * here, before it polls, instead of inside a decision's forecast step, where the load would hold
   * the event loop and with it every other activity's heartbeat. A config error is left to the
   * activities, which name it.
   */
  private async loadFramesIfNeeded(): Promise<void> {
    let services: LoadedConfig['services'];
    try {
      services = this.deps.config().services;
    } catch {
      return;
    }
    if (readsTimestampedCsv(services)) await loadDanfo();
  }

  async configureReplayWorker(options: ReplayWorkerOptions): Promise<ReplayWorkerOptions> {
    const out = this.simple.configureReplayWorker(options);
    if (out.workflowBundle || out.workflowsPath) return out;
    return { ...out, workflowBundle: await kineticWorkflowBundle(out.dataConverter?.failureConverterPath) };
  }

  /**
   * Polling starts at once (so `runUntil` can stop a worker whatever its function does); the
   * budget worker starts next to it and stops with it. Either failing stops both.
   */
  async runWorker(worker: Worker, next: (w: Worker) => Promise<void>): Promise<void> {
    const o = worker.options;
    const connection = worker.connection;
    if (this.budgetWorkers.has(worker) || !connection) return next(worker);
    const main = next(worker);
    if (this.opts.budgetWorker === false) return runAndClose(main);
    let stopped = false;
    let budget: Worker | undefined;
    const budgetRun = (async () => {
      budget = await Worker.create({
        connection,
        namespace: o.namespace,
        taskQueue: budgetTaskQueue(o.taskQueue),
        identity: `${o.identity}/budget`,
        workflowBundle: o.workflowBundle ?? (await kineticWorkflowBundle(o.dataConverter?.failureConverterPath)),
        activities: this.acts,
        ...(o.dataConverter ? { dataConverter: o.dataConverter } : {}),
        // A traced bundle's workflow interceptors export through the sinks (not the SDK's own, which it adds itself).
        sinks: Object.fromEntries(Object.entries(o.sinks ?? {}).filter(([name]) => !name.startsWith('__temporal_'))),
        // Every decision waits on an authority: when the worker caching one dies, another takes over within a second.
        stickyQueueScheduleToStartTimeout: '1s',
        maxConcurrentActivityTaskExecutions: 20,
        ...this.opts.budgetWorker,
      });
      this.budgetWorkers.add(budget);
      // Stopped while it was being created: run it only to release the connection.
      await (stopped ? budget.runUntil(Promise.resolve()) : budget.run());
    })();
    // Without its budget worker this process could not answer reservations: stop it too.
    budgetRun.catch(() => worker.getState() === 'RUNNING' && worker.shutdown());
    try {
      await main;
    } finally {
      stopped = true;
      if (budget?.getState() === 'RUNNING') budget.shutdown();
      await runAndClose(budgetRun);
    }
  }

  /** A config with `encryption:` needs the codec on this worker: plaintext next to encrypted histories is never right. */
  private checkEncryption(codecs: number): void {
    let encrypted = false;
    try {
      encrypted = Boolean(loadConfig(this.opts.config).encryption);
    } catch {
      // An invalid config fails each decision with its message; the worker still starts.
    }
    if (encrypted && codecs === 0) {
      throw new Error(`${loadConfigPathHint(this.opts.config)} has an encryption: block but this worker has no payload codec: add kineticEncryption({ config }) before kineticDecisions in plugins`);
    }
  }
}

/** The modules are already in a given bundle: passing them too would only make the SDK warn. */
function withoutWorkflowModules(o: WorkerOptions): WorkerOptions {
  if (!o.interceptors?.workflowModules) return o;
  const { workflowModules: _bundled, ...rest } = o.interceptors;
  return { ...o, interceptors: rest };
}

/** A worker asked to trace must not run a bundle built without the tracing interceptors. */
function checkTracedBundle(bundle: NonNullable<WorkerOptions['workflowBundle']>, modules: string[]): void {
  if (!modules.includes(TRACING_WORKFLOW_MODULE) || !('codePath' in bundle)) return;
  if (!readFileSync(bundle.codePath, 'utf8').includes(DECISION_TRACE_SINK)) {
    throw new Error(`tracing is on but the workflow bundle ${bundle.codePath} has no tracing interceptors: build it with workflowInterceptorModules({ tracing: true }) (plugins/workflow-bundle.ts)`);
  }
}

function loadConfigPathHint(config?: string): string {
  return config ?? process.env.KINETIC_CONFIG ?? 'kinetic.yaml';
}

/** The forecast thread pool outlives single activities; close it when the worker stops. */
async function runAndClose(run: Promise<void>): Promise<void> {
  await run.finally(closeComputePool);
}

export function kineticDecisions(options: KineticDecisionsOptions = {}): KineticDecisionsPlugin {
  return new KineticDecisionsPlugin(options);
}

/**
 * kineticLearning: the control loop, retraining, reweighting and the budget report — their
 * activities, and their schedules, created or updated idempotently when the worker starts.
 * Needs kineticDecisions in the same plugins list (the loop starts decisions; one shared bundle).
 */
import { Client } from '@temporalio/client';
import { SimplePlugin } from '@temporalio/plugin';
import type { Worker, WorkerOptions } from '@temporalio/worker';
import { learningActivities } from '../activities';
import { createDeps, type ActivityDeps, type DepsOptions } from '../activities/deps';
import { applySchedulesOnWorkerStart } from '../schedules/startup';
import { DECISIONS_PLUGIN } from './decisions';

export interface KineticLearningOptions extends Omit<DepsOptions, 'configPath'> {
  /** Path of kinetic.yaml; default KINETIC_CONFIG, else ./kinetic.yaml. */
  config?: string;
  /** One set of dependencies shared with the other Kinetic plugins (kineticWorkerPlugins does this). */
  deps?: ActivityDeps;
  /** `false`: never touch schedules at worker start; otherwise the config's schedules.applyOnWorkerStart decides. */
  applySchedules?: boolean;
}

export class KineticLearningPlugin extends SimplePlugin {
  constructor(private readonly opts: KineticLearningOptions = {}) {
    super({ name: 'kinetic.learning', activities: learningActivities(opts.deps ?? createDeps({ ...opts, configPath: opts.config })) });
  }

  override configureWorker(options: WorkerOptions): WorkerOptions {
    if (!options.plugins?.some((p) => p.name === DECISIONS_PLUGIN)) {
      throw new Error('kineticLearning needs kineticDecisions in the same plugins list: plugins: [kineticDecisions({ config }), kineticLearning({ config })]');
    }
    return super.configureWorker(options);
  }

  /** Next to polling, not before it (applying never fails the worker: it reports and goes on). */
  override async runWorker(worker: Worker, next: (w: Worker) => Promise<void>): Promise<void> {
    if (this.opts.applySchedules === false || !worker.connection) return next(worker);
    const main = next(worker);
    const client = new Client({ connection: worker.connection, namespace: worker.options.namespace });
    const applied = applySchedulesOnWorkerStart({ configPath: this.opts.config, taskQueue: worker.options.taskQueue, client });
    try {
      await main;
    } finally {
      await applied;
    }
  }
}

export function kineticLearning(options: KineticLearningOptions = {}): KineticLearningPlugin {
  return new KineticLearningPlugin(options);
}

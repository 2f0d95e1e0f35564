import { DEFAULT_HEDGE, hedge, reweightHedgeOptions, type HedgeOptions } from '../learning/hedge';
import { hedgeByLead, type LeadBucketWeights } from '../learning/lead-hedge';
import type { FittedModel } from '../models/contract';
import { getForecaster } from '../models/registry';
import { ModelTrack, tailLength, type PlacedModel } from '../planning/predictive/model-paths';
import { defaultPlannerOptions, type PlannerOptions, stepsIn } from '../planning/predictive/options';
import { DemandPlanner, type DemandPlan } from '../planning/predictive/planner';

/**
 * Runs the product's learning loop over a trace, causally: the models are refitted every
 * `retrainEvery` steps on the recent history (the retrain schedule), the ensemble weights move by
 * Hedge every `reweightEvery` steps from the realised demand (the reweight schedule, with the
 * options reweighting uses: learning/hedge.ts `reweightHedgeOptions`; pooled weights and, as the
 * planner combines with, weights per lead bucket: learning/lead-hedge.ts), and the planner — the same code a decision runs — plans every step from the
 * observations before it. The simulator's predictive policy is this, nothing else.
 */
export interface PlannerTraceOptions {
  models: readonly string[];
  seasons: number[];
  stepSeconds?: number;
  /** Boot delay B: plans cover leads 1 … B + 1 (r_t must cover d_t … d_{t+B}). */
  bootSteps: number;
  quantiles: number[];
  retrainEvery: number;
  reweightEvery: number;
  /** Most recent steps each refit sees. */
  fitWindow: number;
  learning: HedgeOptions;
  combine?: PlannerOptions['combine'];
  /** Planner settings other than the defaults (experiments and tests). */
  planner?: Partial<PlannerOptions>;
}

export interface TracePlans {
  /** Plans for steps firstStep … n−1 (index 0 = firstStep). */
  plans: DemandPlan[];
  firstStep: number;
  refits: number;
  reweights: number;
  dropouts: number;
  /** How often each model carried the most weight in the plans. */
  heaviest: Record<string, number>;
}

/** Sensible defaults for a trace with this step (daily retrain, hourly reweight, production Hedge settings). */
export function traceDefaults(stepSeconds: number | undefined, bootSteps: number, seasons: number[]): Omit<PlannerTraceOptions, 'quantiles'> {
  const step = stepSeconds ?? 300;
  return {
    models: [],
    seasons,
    stepSeconds,
    bootSteps,
    retrainEvery: stepsIn(86_400, step),
    reweightEvery: stepsIn(3_600, step),
    fitWindow: Math.min(20_160, Math.max(2016, stepsIn(14 * 86_400, step))),
    learning: reweightHedgeOptions(DEFAULT_HEDGE),
  };
}

/** Plans for every step from `firstStep` on (the planner also learns from the steps before it). */
export async function planTrace(demand: readonly number[], firstStep: number, o: PlannerTraceOptions): Promise<TracePlans> {
  const window = { from: 1, to: o.bootSteps + 1 };
  const options: PlannerOptions = { ...defaultPlannerOptions(o.stepSeconds ?? 300, window, o.quantiles), combine: o.combine ?? 'weighted', ...o.planner };
  const n = demand.length;
  // The planner learns over a stretch before the first scored step, as a decision's replay does.
  const replayFrom = Math.max(1, Math.min(firstStep, firstStep - options.calibration - window.to - 200));
  const warm = demand.slice(0, Math.max(1, firstStep));
  const typical = warm.reduce((a, b) => a + b, 0) / warm.length;
  let change = 0;
  const from = Math.max(1, replayFrom - 500);
  for (let t = from; t < Math.max(from + 1, replayFrom); t++) change += Math.abs((demand[t] ?? 0) - demand[t - 1]);
  const planner = new DemandPlanner(o.models, options, { typical, initialScale: change / Math.max(1, replayFrom - from), observations: true });
  const tails = Object.fromEntries(o.models.map((m) => [m, tailLength(m, o.seasons)]));
  let tracks: ModelTrack[] = [];
  let lastFit = -Infinity;
  let refits = 0;
  let reweights = 0;
  let sinceReweight = 0;
  const equal: Record<string, number> = Object.fromEntries(o.models.map((m) => [m, 1 / o.models.length]));
  let weights = equal;
  let byLead: LeadBucketWeights[] = [];
  const heaviest: Record<string, number> = Object.fromEntries(o.models.map((m) => [m, 0]));
  const plans: DemandPlan[] = [];
  for (let t = 1; t < n; t++) {
    planner.observe(demand[t - 1]);
    if (t < replayFrom) continue;
    if (++sinceReweight >= o.reweightEvery) {
      const batch = planner.drainObservations();
      weights = hedge(weights, o.models, batch, o.learning).weights;
      // A bucket first seen starts from equal weights, as the pooled vector did.
      byLead = hedgeByLead(byLead, equal, o.models, batch, o.learning);
      planner.setWeights(weights, byLead);
      sinceReweight = 0;
      reweights++;
    }
    if (t - lastFit >= o.retrainEvery) {
      tracks = (await refit(planner.history, t, o)).map((m) => new ModelTrack(m, tails[m.name]));
      lastFit = t;
      refits++;
    }
    const paths: Record<string, number[]> = {};
    for (const tr of tracks) paths[tr.placed.name] = tr.path(planner.history, t, window.to);
    const plan = planner.plan(paths);
    if (t >= firstStep) {
      plans.push(plan);
      let top = o.models[0];
      for (const m of o.models) if (plan.weights[m] > plan.weights[top]) top = m;
      heaviest[top]++;
    }
  }
  return { plans, firstStep, refits, reweights, dropouts: planner.dropouts, heaviest };
}

async function refit(history: readonly number[], t: number, o: PlannerTraceOptions): Promise<PlacedModel[]> {
  const fitStart = Math.max(0, t - o.fitWindow);
  const values = history.slice(fitStart, t);
  const out: PlacedModel[] = [];
  for (const name of o.models) {
    try {
      const model = await getForecaster(name).fit(values, { seasons: o.seasons, stepSeconds: o.stepSeconds, seed: 1 });
      out.push({ name, model, fitStart });
    } catch {
      // Too little history for this model yet (the first steps of a trace): it repeats the last value until the next refit.
      out.push({ name, model: lastValueModel(name), fitStart });
    }
  }
  return out;
}

function lastValueModel(name: string): FittedModel {
  const flat = (history: readonly number[], horizon: number) => new Array<number>(horizon).fill(history.length ? history[history.length - 1] : 0);
  return {
    name,
    forecast: () => {
      throw new Error(`${name}: not fitted yet`);
    },
    pointFrom: flat,
    serialize: () => ({ model: name, version: 0, state: null }),
    describe: () => `${name}: not enough history yet, repeating the last value`,
  };
}

import type { LeadBucketWeights } from '../../learning/lead-hedge';
import type { FittedModel } from '../../models/contract';
import { ModelTrack, tailLength, type PlacedModel } from './model-paths';
import type { PlannerOptions } from './options';
import { DemandPlanner, type DemandPlan } from './planner';

/**
 * A decision's plan: the planner replayed over the service's recent history with the models the
 * decision uses (champions from retraining, or fitted now) and the learned weights, then asked
 * for a plan at "now". The replay is what calibrates the buffer and re-anchors the models: the
 * same code the simulator runs step by step over a whole trace. Deterministic in its inputs.
 */
export interface ReplayInput {
  /** The metric's recent history, oldest first; NaN where a sample is missing. */
  history: readonly number[];
  models: PlacedModel[];
  weights: Readonly<Record<string, number>>;
  /** Learned weights per lead bucket (absent in weights records written before them: `weights` for every lead). */
  weightsByLead?: readonly LeadBucketWeights[];
  options: PlannerOptions;
  seasons: readonly number[];
  /** Plans made before "now" to calibrate on (the more, the better calibrated; each costs a path per model). */
  replaySteps: number;
}

export interface ReplayResult {
  plan: DemandPlan;
  /** Plans actually replayed (fewer than asked when the history is short). */
  replayed: number;
  /** Missing samples in the history (NaN or outage zeros). */
  dropouts: number;
  /** Newest missing samples in a row (0 when the newest sample is real). */
  missingTail: number;
}

/** First replay origin: leave each model enough history before it (its tail), at least 2 points. */
function firstOrigin(n: number, replaySteps: number, models: PlacedModel[], seasons: readonly number[]): number {
  const need = Math.max(2, ...models.map((m) => Math.min(tailLength(m.name, seasons), Math.floor(n / 2))));
  return Math.max(need, n - replaySteps);
}

export function replayPlan(input: ReplayInput): ReplayResult {
  const { history, models, options, seasons } = input;
  const n = history.length;
  if (n < 2) throw new RangeError(`history has ${n} point(s); at least 2 are needed to plan`);
  const finite = history.filter(Number.isFinite);
  if (finite.length === 0) throw new RangeError(`history has no usable value (all ${n} missing); check the metrics source`);
  const typical = finite.reduce((a, b) => a + b, 0) / finite.length;
  let change = 0;
  let pairs = 0;
  for (let t = 1; t < n; t++) {
    if (Number.isFinite(history[t]) && Number.isFinite(history[t - 1])) {
      change += Math.abs(history[t] - history[t - 1]);
      pairs++;
    }
  }
  const planner = new DemandPlanner(
    models.map((m) => m.name),
    options,
    { typical, initialScale: pairs ? change / pairs : Math.abs(typical) * 0.1 },
  );
  planner.setWeights(input.weights, input.weightsByLead);
  const tracks = models.map((m) => new ModelTrack(m, tailLength(m.name, seasons)));
  const start = firstOrigin(n, input.replaySteps, models, seasons);
  let plan: DemandPlan | undefined;
  let replayed = 0;
  for (let t = 1; t <= n; t++) {
    planner.observe(history[t - 1]);
    if (t < start) continue;
    const paths: Record<string, number[]> = {};
    for (const tr of tracks) paths[tr.placed.name] = tr.path(planner.history, t, options.window.to);
    plan = planner.plan(paths);
    replayed++;
  }
  let missingTail = 0;
  for (let t = n - 1; t >= 0 && !Number.isFinite(history[t]); t--) missingTail++;
  return { plan: plan!, replayed: replayed - 1, dropouts: planner.dropouts, missingTail: plan!.dropout ? Math.max(1, missingTail) : 0 };
}

/** A model placed at index `fitStart` of the history (negative when its fit began before the history). */
export function placed(name: string, model: FittedModel, fitStart: number): PlacedModel {
  return { name, model, fitStart };
}

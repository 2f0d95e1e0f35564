/**
 * Online ensemble reweighting with Hedge (multiplicative / exponentiated weights). Pure: no I/O,
 * no Temporal. The loss is asymmetric because an under-forecast means too little capacity
 * (breached SLOs), while an over-forecast only wastes money.
 */

export interface HedgeOptions {
  /** η: how fast weight moves toward the models that were right. */
  learningRate: number;
  /** Cost of one unit of under-forecast relative to one unit of over-forecast (≥ 1). */
  underForecastPenalty: number;
  /** No weight falls below this; keeps every model alive so it can win again after a regime change. */
  weightFloor: number;
}

export type Weights = Record<string, number>;

/** The product's reweighting defaults (kinetic.yaml `learning.learningRate`, `.weightFloor`). */
export const DEFAULT_HEDGE = { learningRate: 0.5, weightFloor: 0.02 } as const;

/**
 * Hedge as reweighting runs it: point forecasts are scored symmetrically. The asymmetry between
 * too little capacity and too much belongs to the planner's buffer (its quantile), not to which
 * model's point forecast gets weight: a combination tilted towards models that over-forecast is a
 * worse point forecast and buys the buffer twice. (Exp3, from outcomes, keeps the penalty.)
 */
export function reweightHedgeOptions(l: { learningRate: number; weightFloor: number }): HedgeOptions {
  return { learningRate: l.learningRate, underForecastPenalty: 1, weightFloor: l.weightFloor };
}

/** One realised value and what each model had predicted for it. */
export interface Observation {
  actual: number;
  predicted: Record<string, number>;
}

/** Loss of one prediction: under-forecasts cost `penalty` per unit, over-forecasts 1 per unit. */
export function asymmetricLoss(actual: number, predicted: number, penalty: number): number {
  const err = actual - predicted;
  return err > 0 ? penalty * err : -err;
}

export function equalWeights(models: readonly string[]): Weights {
  const out: Weights = {};
  for (const m of models) out[m] = 1 / models.length;
  return out;
}

/**
 * Renormalises to sum 1 with every weight ≥ floor (models missing from `weights` get the floor):
 * models under the floor are lifted to it and the others share what is left, in proportion.
 */
export function applyFloor(weights: Weights, models: readonly string[], floor: number): Weights {
  const n = models.length;
  const f = Math.min(floor, 1 / Math.max(1, n));
  const raw = models.map((m) => (Number.isFinite(weights[m]) && weights[m] > 0 ? weights[m] : 0));
  const total = raw.reduce((a, b) => a + b, 0);
  let w = total > 0 ? raw.map((x) => x / total) : raw.map(() => 1 / n);
  const pinned = new Set<number>();
  // Lifting some to the floor shrinks the rest, which may push another under it: repeat (≤ n times).
  for (let round = 0; round < n; round++) {
    w.forEach((x, i) => x < f && pinned.add(i));
    const free = w.reduce((a, x, i) => (pinned.has(i) ? a : a + x), 0);
    const left = 1 - pinned.size * f;
    w = w.map((x, i) => (pinned.has(i) ? f : free > 0 ? (x * left) / free : left / (n - pinned.size)));
    if (w.every((x) => x >= f - 1e-15)) break;
  }
  const out: Weights = {};
  models.forEach((m, i) => (out[m] = w[i]));
  return out;
}

export interface HedgeResult {
  weights: Weights;
  /** Mean scaled loss per model over the observations (lower = better). */
  meanLoss: Record<string, number>;
  observations: number;
}

/**
 * Runs Hedge over the observations in order. Losses are divided by the mean absolute demand of
 * the batch so the learning rate does not depend on the metric's unit.
 */
export function hedge(start: Weights, models: readonly string[], observations: readonly Observation[], opts: HedgeOptions): HedgeResult {
  let w = applyFloor(start, models, opts.weightFloor);
  const usable = observations.filter((o) => Number.isFinite(o.actual) && models.every((m) => Number.isFinite(o.predicted[m])));
  const scale = Math.max(1e-9, usable.reduce((a, o) => a + Math.abs(o.actual), 0) / Math.max(1, usable.length));
  const sum: Record<string, number> = {};
  for (const m of models) sum[m] = 0;
  for (const o of usable) {
    const next: Weights = {};
    for (const m of models) {
      const loss = asymmetricLoss(o.actual, o.predicted[m], opts.underForecastPenalty) / scale;
      sum[m] += loss;
      next[m] = w[m] * Math.exp(-opts.learningRate * loss);
    }
    w = applyFloor(next, models, opts.weightFloor);
  }
  const meanLoss: Record<string, number> = {};
  for (const m of models) meanLoss[m] = usable.length ? sum[m] / usable.length : NaN;
  return { weights: w, meanLoss, observations: usable.length };
}

/** Weighted combination of per-model values (models without a weight are ignored). */
export function combine(values: Record<string, number>, weights: Weights): number {
  let num = 0;
  let den = 0;
  for (const [m, v] of Object.entries(values)) {
    const w = weights[m] ?? 0;
    if (!Number.isFinite(v) || w <= 0) continue;
    num += w * v;
    den += w;
  }
  return den > 0 ? num / den : NaN;
}

import { applyFloor, asymmetricLoss, type HedgeResult, type Observation, type Weights } from './hedge';

/**
 * AdaHedge (de Rooij, van Erven, Grünwald, Koolen 2014, "Follow the leader if you can, hedge if
 * you must", JMLR 15): Hedge whose learning rate needs no setting. η_t = ln N / Δ_{t−1}, where Δ
 * is the cumulative mixability gap (what the weighted mixture lost beyond the mix loss). While
 * Δ = 0, η = ∞ and it follows the leader; when models keep disagreeing, Δ grows and η shrinks.
 * Pure: no I/O, no Temporal.
 */

/** What AdaHedge carries from one reweighting batch to the next. */
export interface AdaHedgeState {
  /** The weights it started from (a prior): weights ∝ prior · e^{−η L}. */
  prior: Weights;
  /** Cumulative scaled loss per model since the start (L). */
  losses: Record<string, number>;
  /** Cumulative mixability gap Δ (≥ 0). */
  gap: number;
}

export interface AdaHedgeOptions {
  /** Cost of one unit of under-forecast relative to one unit of over-forecast (≥ 1). */
  underForecastPenalty: number;
  /** Played weights never fall below this (the floor is applied to what is played, not to the state). */
  weightFloor: number;
}

export interface AdaHedgeResult extends HedgeResult {
  state: AdaHedgeState;
  /** η for the next round (Infinity while Δ = 0: follow the leader). */
  learningRate: number;
}

/** A fresh start from `weights` (models missing from them get an equal share of the prior). */
export function freshAdaHedge(weights: Weights, models: readonly string[]): AdaHedgeState {
  const prior = applyFloor(weights, models, 0);
  return { prior, losses: Object.fromEntries(models.map((m) => [m, 0])), gap: 0 };
}

/** η = ln N / Δ (∞ while Δ = 0). */
export function adaHedgeRate(models: number, gap: number): number {
  return gap > 0 ? Math.log(models) / gap : Infinity;
}

/** AdaHedge's own (unfloored) weights for cumulative losses L at rate η. */
export function adaHedgeWeights(state: AdaHedgeState, models: readonly string[], eta: number): Weights {
  const best = Math.min(...models.map((m) => state.losses[m]));
  const raw = models.map((m) => {
    const prior = state.prior[m] ?? 0;
    if (eta === Infinity) return state.losses[m] === best ? prior : 0; // the leaders, in the prior's proportions
    return prior * Math.exp(-eta * (state.losses[m] - best));
  });
  const total = raw.reduce((a, b) => a + b, 0);
  const out: Weights = {};
  models.forEach((m, i) => (out[m] = total > 0 ? raw[i] / total : 1 / models.length));
  return out;
}

/**
 * Mix loss −(1/η) ln Σ w_i e^{−η ℓ_i}, computed around the smallest loss so it cannot overflow;
 * at η = ∞ it is the smallest loss among models with weight.
 */
export function mixLoss(weights: Weights, losses: Record<string, number>, eta: number): number {
  const live = Object.keys(weights).filter((m) => weights[m] > 0);
  const least = Math.min(...live.map((m) => losses[m]));
  if (eta === Infinity) return least;
  const sum = live.reduce((a, m) => a + weights[m] * Math.exp(-eta * (losses[m] - least)), 0);
  return least - Math.log(sum) / eta;
}

/**
 * Runs AdaHedge over the observations in order, continuing `state` (or starting fresh from
 * `start` when there is no state or it was for other models). Losses are divided by the mean
 * absolute demand of the batch, as `hedge()` does.
 */
export function adaHedge(
  start: Weights,
  models: readonly string[],
  observations: readonly Observation[],
  opts: AdaHedgeOptions,
  previous?: AdaHedgeState,
): AdaHedgeResult {
  const sameModels = previous && models.every((m) => Number.isFinite(previous.losses[m])) && Object.keys(previous.losses).length === models.length;
  const state: AdaHedgeState = sameModels
    ? { prior: { ...previous.prior }, losses: { ...previous.losses }, gap: previous.gap }
    : freshAdaHedge(start, models);
  const usable = observations.filter((o) => Number.isFinite(o.actual) && models.every((m) => Number.isFinite(o.predicted[m])));
  const scale = Math.max(1e-9, usable.reduce((a, o) => a + Math.abs(o.actual), 0) / Math.max(1, usable.length));
  const sum: Record<string, number> = Object.fromEntries(models.map((m) => [m, 0]));
  for (const o of usable) {
    const eta = adaHedgeRate(models.length, state.gap);
    const w = adaHedgeWeights(state, models, eta);
    const loss: Record<string, number> = {};
    for (const m of models) loss[m] = asymmetricLoss(o.actual, o.predicted[m], opts.underForecastPenalty) / scale;
    const mixture = models.reduce((a, m) => a + w[m] * loss[m], 0);
    // δ = h − m ≥ 0 (Jensen); max() only guards rounding.
    state.gap += Math.max(0, mixture - mixLoss(w, loss, eta));
    for (const m of models) {
      state.losses[m] += loss[m];
      sum[m] += loss[m];
    }
  }
  const eta = adaHedgeRate(models.length, state.gap);
  const meanLoss: Record<string, number> = {};
  for (const m of models) meanLoss[m] = usable.length ? sum[m] / usable.length : NaN;
  return {
    weights: applyFloor(adaHedgeWeights(state, models, eta), models, opts.weightFloor),
    meanLoss,
    observations: usable.length,
    state,
    learningRate: eta,
  };
}

/**
 * AdaHedge derives its weights from its state, so a change made on top of them (Exp3 on decision
 * outcomes) would be lost at the next batch: fold that multiplicative change (played ÷ hedged)
 * into the prior instead.
 */
export function foldIntoPrior(state: AdaHedgeState, hedged: Weights, played: Weights): AdaHedgeState {
  const prior: Weights = {};
  for (const [m, p] of Object.entries(state.prior)) prior[m] = hedged[m] > 0 && played[m] > 0 ? (p * played[m]) / hedged[m] : p;
  const total = Object.values(prior).reduce((a, b) => a + b, 0);
  if (!(total > 0)) return state;
  for (const m of Object.keys(prior)) prior[m] /= total;
  return { ...state, prior };
}

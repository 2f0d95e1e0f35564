/**
 * Exp3-style reweighting from decision outcomes alone (no realised demand): the ensemble weights
 * are the bandit's distribution over models, each outcome is one round. Pure: no I/O, no Temporal;
 * the only randomness is a seeded PRNG, so the same outcomes and seed give the same weights.
 */
import { mulberry32 } from '../models/random';
import { applyFloor, type Weights } from './hedge';

/** What a decision's outcome says about the forecast it acted on. */
export type OutcomeKind = 'under-provisioned' | 'over-provisioned' | 'adequate';

/** One decision outcome and the forecasts behind it. */
export interface OutcomeEvent {
  kind: OutcomeKind;
  /** The forecast the decision acted on (the ensemble's peak). */
  acted: number;
  /** Each model's forecast of the same quantity. */
  predicted: Record<string, number>;
}

export interface Exp3Options {
  /** γ ∈ (0, 1]: share of probability spread evenly over the models, and the step size. */
  exploration: number;
  /** An under-provisioning outcome costs this many times a wasteful one (≥ 1). */
  underForecastPenalty: number;
  /** No weight falls below this, as in Hedge. */
  weightFloor: number;
  /** Seed of the draws; the reweight activity derives it from its idempotency key. */
  seed: number;
  /** Relative distance from the acted forecast at which a model counts as fully disagreeing (default 0.1 = 10%). */
  tolerance?: number;
}

export interface Exp3Result {
  weights: Weights;
  rounds: number;
  /** The model drawn in each round. */
  played: string[];
  /** Mean reward of each model over the rounds it was drawn (NaN if never). */
  meanReward: Record<string, number>;
}

/**
 * Reward in [0, 1] of one model for one outcome, judged by where its forecast sat relative to the
 * forecast acted on. Under-provisioning: the models that forecast higher were right; the ones at or
 * below the acted forecast lose 1. Over-provisioning: the lower ones were right; the others lose
 * only 1/penalty, because waste costs money while a shortfall breaches the service. Adequate: the
 * models near the acted forecast were right; ones far below lose up to 1, far above up to 1/penalty.
 */
export function outcomeReward(event: OutcomeEvent, model: string, penalty: number, tolerance = 0.1): number {
  const p = event.predicted[model];
  if (!Number.isFinite(p) || !Number.isFinite(event.acted)) return 0;
  const d = (p - event.acted) / Math.max(1e-9, Math.abs(event.acted));
  const s = Math.max(-1, Math.min(1, d / tolerance)); // -1 far below … 0 same … +1 far above
  const waste = 1 / Math.max(1, penalty);
  const loss = event.kind === 'under-provisioned' ? 1 - Math.max(0, s) : event.kind === 'over-provisioned' ? waste * (1 - Math.max(0, -s)) : s < 0 ? -s : s * waste;
  return 1 - loss;
}

/**
 * Exp3 (Auer et al. 2002) over the events in order: draw model I with probability
 * p_i = (1 − γ)·w_i + γ/K, observe its reward r, and raise only its weight by exp(γ·(r/p_I)/K).
 * Dividing by p_I (importance weighting) makes the update unbiased for every model although one
 * model is judged per outcome, and γ/K keeps rarely-chosen models explored. Weights are renormalised
 * with the floor after each round.
 */
export function exp3(start: Weights, models: readonly string[], events: readonly OutcomeEvent[], opts: Exp3Options): Exp3Result {
  if (!(opts.exploration > 0 && opts.exploration <= 1)) throw new Error(`learning.exploration must be in (0, 1], got ${opts.exploration}`);
  const k = models.length;
  let w = applyFloor(start, models, opts.weightFloor);
  const rand = mulberry32(opts.seed);
  const played: string[] = [];
  const sum: Record<string, number> = {};
  const count: Record<string, number> = {};
  for (const m of models) {
    sum[m] = 0;
    count[m] = 0;
  }
  if (k === 0) return { weights: w, rounds: 0, played, meanReward: {} };
  for (const e of events) {
    const probs = models.map((m) => (1 - opts.exploration) * w[m] + opts.exploration / k);
    const i = draw(probs, rand());
    const m = models[i];
    const reward = outcomeReward(e, m, opts.underForecastPenalty, opts.tolerance);
    played.push(m);
    sum[m] += reward;
    count[m]++;
    w = applyFloor({ ...w, [m]: w[m] * Math.exp((opts.exploration * (reward / probs[i])) / k) }, models, opts.weightFloor);
  }
  const meanReward: Record<string, number> = {};
  for (const m of models) meanReward[m] = count[m] ? sum[m] / count[m] : NaN;
  return { weights: w, rounds: events.length, played, meanReward };
}

/** Index drawn from the discrete distribution `probs` (sums to 1) with uniform u ∈ [0, 1). */
function draw(probs: readonly number[], u: number): number {
  let acc = 0;
  for (let i = 0; i < probs.length; i++) {
    acc += probs[i];
    if (u < acc) return i;
  }
  return probs.length - 1;
}

/** A 32-bit seed from a string (FNV-1a): the same idempotency key always gives the same draws. */
export function seedFrom(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

import { adaHedge, type AdaHedgeState } from './adahedge';
import { hedge, type HedgeResult, type Observation, type Weights } from './hedge';

/**
 * The one reweighting step on realised demand, as kinetic.yaml `learning.learningRate` chooses
 * it: a number is Hedge at that fixed η; `auto` is AdaHedge, which sets η itself and carries its
 * state from batch to batch. Pure: no I/O, no Temporal.
 */

export type LearningRate = number | 'auto';

/** kinetic.yaml `learning.learningRate` when it is not set. */
export const DEFAULT_LEARNING_RATE: LearningRate = 0.5;

export interface WeightLearning {
  learningRate: LearningRate;
  /** Cost of one unit of under-forecast relative to one unit of over-forecast (≥ 1). */
  underForecastPenalty: number;
  weightFloor: number;
}

export interface LearnedWeights extends HedgeResult {
  /** AdaHedge's state after the batch (only with `learningRate: auto`). */
  adaHedge?: AdaHedgeState;
  /** η after the batch (Infinity while AdaHedge follows the leader). */
  learningRate: number;
}

/**
 * Reweighting on realised demand scores point forecasts symmetrically (penalty 1): the asymmetry
 * between too little and too much capacity belongs to the planner's buffer, not to which model's
 * point forecast gets weight (see `reweightHedgeOptions`). Exp3, from outcomes, keeps the penalty.
 */
export function reweightLearning(l: { learningRate: LearningRate; weightFloor: number }): WeightLearning {
  return { learningRate: l.learningRate, underForecastPenalty: 1, weightFloor: l.weightFloor };
}

/** One batch of observations: Hedge from `start` at a fixed η, or AdaHedge continuing `state`. */
export function learnWeights(
  start: Weights,
  models: readonly string[],
  observations: readonly Observation[],
  opts: WeightLearning,
  state?: AdaHedgeState,
): LearnedWeights {
  if (opts.learningRate === 'auto') {
    const r = adaHedge(start, models, observations, opts, state);
    return { weights: r.weights, meanLoss: r.meanLoss, observations: r.observations, adaHedge: r.state, learningRate: r.learningRate };
  }
  const r = hedge(start, models, observations, { ...opts, learningRate: opts.learningRate });
  return { ...r, learningRate: opts.learningRate };
}

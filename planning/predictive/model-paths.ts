import type { FittedModel, PointStepper } from '../../models/contract';

/**
 * A fitted model placed on the planner's timeline: `fitStart` is the index (in the caller's
 * series) of the first value the model was fitted on, so calendar-time models know where "now" is.
 */
export interface PlacedModel {
  name: string;
  model: FittedModel;
  fitStart: number;
}

/**
 * Steps of recent history a model needs per plan (copied at every step of a replay, so no more than
 * that): the last value, a season back, a smoothing memory, or three cycles to re-initialise ETS.
 */
export function tailLength(model: string, seasons: readonly number[]): number {
  const shortest = seasons.length ? Math.min(...seasons) : 0;
  const longest = seasons.length ? Math.max(...seasons) : 0;
  switch (model) {
    case 'naive':
    case 'prophet':
      return 1;
    case 'seasonalNaive':
      return Math.max(1, longest);
    case 'ewma':
      return 500;
    case 'ets':
      return Math.max(500, 3 * shortest);
    default:
      return Math.max(500, 3 * longest);
  }
}

/**
 * The model's point path for leads 1 … horizon from origin `n` of `series` (values 0 … n−1 known),
 * from the last `tail` values. Models without `pointFrom` use `forecastFrom`, else their own
 * forecast read at the right offset.
 */
export function pathAt(m: PlacedModel, series: readonly number[], n: number, horizon: number, tail: number): number[] {
  const from = Math.max(0, n - tail);
  if (m.model.pointFrom) return m.model.pointFrom(series.slice(from, n), horizon, from - m.fitStart);
  if (m.model.forecastFrom) return m.model.forecastFrom(series.slice(from, n), horizon).point;
  const ahead = Math.max(0, n - m.fitStart);
  return m.model.forecast(ahead + horizon).point.slice(-horizon);
}

/**
 * A placed model followed along a series during a replay: models with a `pointStepper` take one
 * value per step instead of re-reading their tail (what keeps a decision's 2,000-step replay fast);
 * the others fall back to `pathAt`.
 */
export class ModelTrack {
  private stepper?: PointStepper;
  private seen = 0;

  constructor(
    readonly placed: PlacedModel,
    private readonly tail: number,
  ) {}

  /** The model's path for leads 1 … horizon from origin `n` of `series`. */
  path(series: readonly number[], n: number, horizon: number): number[] {
    const m = this.placed.model;
    if (!m.pointStepper) return pathAt(this.placed, series, n, horizon, this.tail);
    if (!this.stepper || n < this.seen) {
      const from = Math.max(0, n - this.tail);
      this.stepper = m.pointStepper(series.slice(from, n), from - this.placed.fitStart);
      this.seen = n;
    }
    for (; this.seen < n; this.seen++) this.stepper.push(series[this.seen]);
    return this.stepper.path(horizon);
  }
}

/**
 * The Forecaster contract (README.md, "Architecture"). Pure: no Temporal, Pulumi or I/O imports here.
 * Every model in models/ implements it, so the decision saga and the simulator can swap models.
 */

/** Quantile levels every forecast carries. P05/P95 bound the central 90% interval. */
export const QUANTILE_LEVELS = ['p05', 'p50', 'p90', 'p95', 'p99'] as const;
export type QuantileLevel = (typeof QUANTILE_LEVELS)[number];

/** Numeric probability of each quantile level. */
export const QUANTILE_PROBABILITY: Record<QuantileLevel, number> = {
  p05: 0.05,
  p50: 0.5,
  p90: 0.9,
  p95: 0.95,
  p99: 0.99,
};

export interface FitOptions {
  /** Seasonal periods in steps, shortest first (e.g. [288, 2016] for daily+weekly at 5 min). */
  seasons?: number[];
  /** Step length in seconds (used by models that reason in wall-clock time). */
  stepSeconds?: number;
  /** Seed for models with randomness (neural nets), so fits are reproducible. */
  seed?: number;
  /**
   * Dated events (campaigns, holidays) for models that take regressors (prophet). Index-based:
   * `start`/`end` are step indices on the fitted series, 0 = its first value, `end` exclusive;
   * indices >= values.length lie in the forecast (index values.length = first forecast step).
   * `multiplier` scales demand while the event runs (1.5 = +50%); when an event of the same
   * `name` occurs in the history, prophet learns its effect from the data instead.
   */
  events?: ForecastEvent[];
  /** Horizon the caller will ask for; ensembles and calibrators use it to size their validation. */
  horizon?: number;
}

export interface ForecastEvent {
  start: number;
  end: number;
  multiplier: number;
  name: string;
}

export interface Forecast {
  /** Name of the model (or ensemble) that produced it. */
  model: string;
  horizon: number;
  /** Point forecast (mean or median), one value per step ahead. */
  point: number[];
  /** Quantile paths, each of length `horizon`, monotone across levels at every step. */
  quantiles: Record<QuantileLevel, number[]>;
  /** True when the history was too short for the full model and a fallback was used. */
  coldStart?: boolean;
  /** Human-readable notes: fallbacks taken, why, what was clipped. */
  notes?: string[];
}

export interface SerializedModel {
  model: string;
  version: number;
  state: unknown;
}

export interface FittedModel {
  readonly name: string;
  forecast(horizon: number): Forecast;
  serialize(): SerializedModel;
  /** One line saying what was fitted (parameters, seasons) for explanations. */
  describe(): string;
  /**
   * Optional: forecast from the end of `history` (a longer or different series) with the fitted
   * parameters, without refitting. Lets conformal calibration and the ensemble score many rolling
   * origins cheaply; models without it are refitted at each origin.
   */
  forecastFrom?(history: readonly number[], horizon: number): Forecast;
  /**
   * Optional: the point forecast alone from the end of `history`, with the fitted parameters and
   * no intervals — cheap enough to call at every step of a replay (the predictive planner does).
   * `startOffset` is the index of `history[0]` in the fitted series (models of calendar time such
   * as prophet need it; models of the recent values ignore it). Default 0.
   */
  pointFrom?(history: readonly number[], horizon: number, startOffset?: number): number[];
  /**
   * Optional: `pointFrom` made incremental for a replay — start from `history`, then `push` each
   * new value; `path` is what `pointFrom` would return on everything pushed so far.
   */
  pointStepper?(history: readonly number[], startOffset?: number): PointStepper;
}

export interface PointStepper {
  push(value: number): void;
  path(horizon: number): number[];
}

export interface Forecaster {
  readonly name: string;
  fit(values: readonly number[], opts?: FitOptions): Promise<FittedModel>;
  deserialize(json: SerializedModel): FittedModel;
}

/** Thrown for unusable input; the message names the problem and the fix. */
export class ForecastInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForecastInputError';
  }
}

import { seasonalNaiveBaseline } from '../models/baseline';
import { QUANTILE_LEVELS, QUANTILE_PROBABILITY, type Forecaster } from '../models/contract';
import { interpolateQuantile } from './quantile';

/**
 * The simulator's narrow view of the forecasting engine: fit on a history, forecast `horizon`
 * steps with quantiles, and read any quantile level from them. Keeps sim/ independent of which
 * engine (baseline, a registry model, or `autoForecast`) is behind it.
 */
export interface SimForecast {
  point: number[];
  /** Path at probability `p` (0 < p < 1), interpolated between the engine's levels. */
  quantile(p: number): number[];
}

export interface SimForecaster {
  readonly name: string;
  forecast(history: readonly number[], horizon: number, opts: SeasonOptions): Promise<SimForecast>;
}

export interface SeasonOptions {
  seasons: number[];
  stepSeconds?: number;
  /** Index of the first step being forecast (lets callers cache fits across runs). */
  origin?: number;
}

const LEVELS = QUANTILE_LEVELS.map((l) => QUANTILE_PROBABILITY[l]);

/** Builds a SimForecast from the contract's quantile record. */
export function fromQuantiles(point: number[], quantiles: Record<(typeof QUANTILE_LEVELS)[number], number[]>): SimForecast {
  const paths = QUANTILE_LEVELS.map((l) => quantiles[l]);
  return {
    point,
    quantile(p: number): number[] {
      const exact = LEVELS.indexOf(p);
      if (exact >= 0) return paths[exact];
      return point.map((_, h) => Math.max(0, interpolateQuantile(LEVELS, paths.map((q) => q[h]), p)));
    },
  };
}

/** Any Forecaster of the models/ contract (the baseline, or an entry of models/registry). */
export function contractForecaster(model: Forecaster): SimForecaster {
  return {
    name: model.name,
    async forecast(history, horizon, opts) {
      const fitted = await model.fit(history, { seasons: opts.seasons, stepSeconds: opts.stepSeconds });
      const f = fitted.forecast(horizon);
      return fromQuantiles(f.point, f.quantiles);
    },
  };
}

export const baselineForecaster: SimForecaster = contractForecaster(seasonalNaiveBaseline);

import { Forecast } from './contract';
import { characterise } from './characterise';
import { EnsembleMode, ModelWeight, ensembleForecaster } from './ensemble';

/**
 * High-level entry for the decision saga and the simulator: characterise the series, fit the
 * candidate models, weight them on recent out-of-sample errors and return one calibrated forecast.
 */

export interface AutoForecastOptions {
  horizon: number;
  /** Seasonal periods in steps; default daily/weekly from stepSeconds, else detected. */
  seasons?: number[];
  stepSeconds?: number;
  /** Restrict the members (names from models/registry.ts). */
  models?: string[];
  mode?: EnsembleMode;
  halfLifeSteps?: number;
  seed?: number;
}

export interface AutoForecastResult {
  forecast: Forecast;
  /** Weight and reason of every member. */
  weights: ModelWeight[];
  /** Members with a positive weight, heaviest first. */
  chosen: string[];
  coldStart: boolean;
  /** One line per member: what was fitted. */
  descriptions: string[];
}

export async function autoForecast(values: readonly number[], opts: AutoForecastOptions): Promise<AutoForecastResult> {
  const ensemble = ensembleForecaster({ models: opts.models, mode: opts.mode, halfLifeSteps: opts.halfLifeSteps });
  const model = await ensemble.fit(values, { horizon: opts.horizon, seasons: opts.seasons, stepSeconds: opts.stepSeconds, seed: opts.seed });
  const forecast = model.forecast(opts.horizon);
  const weights = model.weights();
  const chosen = weights.filter((w) => w.weight > 0).sort((a, b) => b.weight - a.weight).map((w) => w.model);
  return { forecast, weights, chosen, coldStart: forecast.coldStart === true, descriptions: [model.describe()] };
}

export { characterise };
export * from './contract';
export { ensembleForecaster, type EnsembleOptions, type EnsembleMode, type ModelWeight } from './ensemble';
export { availableModels, getForecaster, MODEL_NAMES } from './registry';
export { backtest, type BacktestResult, type BacktestScores } from './backtest';
export { smape, mase, mape, coverage, owa, M4_HOURLY_NAIVE2 } from './metrics';
export { conformalForecaster } from './conformal';

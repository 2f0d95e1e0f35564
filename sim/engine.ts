import { autoForecast } from '../models/index';
import { availableModels, getForecaster, hasModel } from '../models/registry';
import { baselineForecaster, contractForecaster, fromQuantiles, type SimForecaster } from './forecast-adapter';

/**
 * Picks the forecasting engine behind the predictive policy by name: `baseline`
 * (models/baseline seasonal naive), `auto` (models/index `autoForecast`: the calibrated
 * ensemble), or any single model of models/registry (naive, ewma, ets, sarima, …).
 */
export function resolveForecaster(name: string): SimForecaster {
  if (name === 'baseline') return baselineForecaster;
  if (name === 'auto') return autoForecaster();
  if (!hasModel(name)) throw new EngineMissingError(name, `unknown or unavailable model; use baseline, auto or one of: ${availableModels().join(', ')}`);
  return contractForecaster(getForecaster(name));
}

function autoForecaster(): SimForecaster {
  return {
    name: 'auto',
    async forecast(history, horizon, opts) {
      const out = await autoForecast(history, { horizon, seasons: opts.seasons, stepSeconds: opts.stepSeconds });
      return fromQuantiles(out.forecast.point, out.forecast.quantiles);
    },
  };
}

export class EngineMissingError extends Error {
  constructor(name: string, why: string) {
    super(`--forecaster ${name}: ${why}`);
    this.name = 'EngineMissingError';
  }
}

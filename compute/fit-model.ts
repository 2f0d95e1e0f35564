import type { FitOptions, Forecast, SerializedModel } from '../models/contract';
import { getForecaster } from '../models/registry';

/** Fit one model and forecast from it: the unit of work of a decision's or a benchmark's fits. */
export interface FitModelInput {
  model: string;
  values: number[];
  options?: FitOptions;
  horizon: number;
}

export interface FitModelOutput {
  model: SerializedModel;
  forecast: Forecast;
  fitMs: number;
}

export async function fitModel({ model, values, options, horizon }: FitModelInput): Promise<FitModelOutput> {
  const t0 = performance.now();
  const fitted = await getForecaster(model).fit(values, { ...options, horizon });
  const fitMs = performance.now() - t0;
  return { model: fitted.serialize(), forecast: fitted.forecast(horizon), fitMs };
}

import { Forecaster } from './contract';
import { etsForecaster } from './ets';
import { gruForecaster } from './gru';
import { ewmaForecaster, naiveForecaster, seasonalNaiveForecaster } from './naive';
import { prophetForecaster } from './prophet';
import { sarimaForecaster } from './sarima';

/**
 * Model name → Forecaster. The CLI `--models` list, the ensemble and autoForecast resolve names
 * here. Models not built yet are listed as known but unavailable so the message can say so.
 */
export const MODEL_NAMES = ['naive', 'seasonalNaive', 'ewma', 'ets', 'sarima', 'prophet', 'gru'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

const REGISTRY: Partial<Record<ModelName, Forecaster>> = {
  naive: naiveForecaster,
  seasonalNaive: seasonalNaiveForecaster,
  ewma: ewmaForecaster,
  ets: etsForecaster,
  sarima: sarimaForecaster,
  prophet: prophetForecaster,
  gru: gruForecaster,
};

export function availableModels(): ModelName[] {
  return MODEL_NAMES.filter((n) => REGISTRY[n] !== undefined);
}

export function hasModel(name: string): boolean {
  return (REGISTRY as Record<string, Forecaster | undefined>)[name] !== undefined;
}

export function getForecaster(name: string): Forecaster {
  const f = (REGISTRY as Record<string, Forecaster | undefined>)[name];
  if (!f) {
    const known = (MODEL_NAMES as readonly string[]).includes(name);
    throw new RangeError(
      known ? `model '${name}' is not available in this build; available: ${availableModels().join(', ')}` : `unknown model '${name}'; known models: ${availableModels().join(', ')}`,
    );
  }
  return f;
}

import { ForecastInputError } from './contract';

/**
 * Input check shared by the models: finite numbers and a minimum length. Negative values are
 * allowed (some metrics are deltas); models clip at zero only when the history never went below.
 */
export function validateSeries(values: readonly number[], minLength = 1, field = 'values'): void {
  if (!Array.isArray(values)) throw new ForecastInputError(`${field}: expected an array of numbers`);
  if (values.length < minLength) {
    throw new ForecastInputError(`${field}: ${values.length} observations, need at least ${minLength}; provide a longer history`);
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new ForecastInputError(`${field}[${i}]: ${String(v)} is not a finite number; remove or interpolate it`);
    }
  }
}

/**
 * Forecast assembly shared by the advanced models: residual quantiles scaled per horizon step,
 * a final guard against non-finite values, clipping at zero when the history never went below
 * it (demand; deltas may be negative) and monotone levels.
 * A conformal layer recalibrates these later; here they only need to be sane and ordered.
 */
import { Forecast, ForecastInputError, QUANTILE_LEVELS, QUANTILE_PROBABILITY, QuantileLevel } from '../contract';
import { empiricalQuantile } from '../baseline';

export interface AssembleInput {
  model: string;
  point: number[];
  /** Sorted in-sample residuals (actual - fitted), in the units of the series. */
  residuals: readonly number[];
  /** Multiplier of the residual quantiles at step h (0-based); >= 1 and growing with h. */
  spread: (h: number) => number;
  notes?: string[];
  coldStart?: boolean;
  /** Value used where the model produced a non-finite number (e.g. the last observation). */
  fallbackValue: number;
  /** Clip at zero: true when the history had no negative values. */
  nonNegative: boolean;
}

export function sortedFinite(values: readonly number[]): number[] {
  return values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
}

export function assembleForecast(input: AssembleInput): Forecast {
  const notes = input.notes ? input.notes.slice() : [];
  const floor = input.nonNegative ? 0 : -Infinity;
  const fallback = Number.isFinite(input.fallbackValue) ? Math.max(floor, input.fallbackValue) : 0;
  let replaced = 0;
  const point = input.point.map((v) => {
    if (Number.isFinite(v)) return Math.max(floor, v);
    replaced++;
    return fallback;
  });
  if (replaced > 0) notes.push(`${replaced} non-finite point values replaced by ${fallback}`);

  const qs = QUANTILE_LEVELS.map((level) => empiricalQuantile(input.residuals, QUANTILE_PROBABILITY[level]));
  const quantiles = {} as Record<QuantileLevel, number[]>;
  for (const level of QUANTILE_LEVELS) quantiles[level] = [];
  point.forEach((p, h) => {
    const s = input.spread(h);
    const scale = Number.isFinite(s) && s > 0 ? s : 1;
    let prev = 0;
    QUANTILE_LEVELS.forEach((level, i) => {
      let v = p + qs[i] * scale;
      if (!Number.isFinite(v)) v = p;
      // Clip at the floor, then keep levels ordered (clipping and overflow can break the order).
      v = Math.max(floor, v, i === 0 ? floor : prev);
      quantiles[level].push(v);
      prev = v;
    });
  });
  return { model: input.model, horizon: point.length, point, quantiles, coldStart: input.coldStart ?? false, notes };
}

/** A robust positive scale for normalising a series (so 1e9 and 1e-3 fit the same way). */
export function seriesScale(values: readonly number[]): number {
  let sum = 0;
  let max = 0;
  for (const v of values) {
    sum += Math.abs(v);
    max = Math.max(max, Math.abs(v));
  }
  const mean = values.length ? sum / values.length : 0;
  if (mean > 0) return mean;
  return max > 0 ? max : 1;
}

export function mean(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return values.length ? s / values.length : 0;
}

export function checkHorizon(horizon: number): void {
  if (!Number.isInteger(horizon) || horizon < 1) {
    throw new ForecastInputError(`horizon ${horizon} must be a positive integer number of steps`);
  }
}

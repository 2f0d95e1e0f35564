import { Forecast, QUANTILE_LEVELS, QUANTILE_PROBABILITY, QuantileLevel } from './contract';

/** Shared helpers for building quantile paths; every model and the ensemble use the same rules. */

/** Linear-interpolated quantile of an ascending array (type 7, as R and numpy default). */
export function quantileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * Math.min(1, Math.max(0, p));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function quantile(values: readonly number[], p: number): number {
  return quantileSorted([...values].sort((a, b) => a - b), p);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Standard normal quantiles of the contract's levels, for models that assume Gaussian errors. */
export const Z: Record<QuantileLevel, number> = { p05: -1.6449, p50: 0, p90: 1.2816, p95: 1.6449, p99: 2.3263 };

/**
 * Empirical h-step error distribution from replaying the model's own forecast rule inside the
 * history: `predict(origin, j)` forecasts y[origin + j − 1] from y[0, origin). Only the last
 * `window` origins are replayed so long series stay cheap.
 */
export function replayQuantiles(
  history: readonly number[],
  point: readonly number[],
  predict: (origin: number, step: number) => number,
  opts: { window?: number; minOrigin?: number } = {},
): Record<QuantileLevel, number[]> {
  const n = history.length;
  const horizon = point.length;
  const window = opts.window ?? 1500;
  const first = Math.max(opts.minOrigin ?? 1, n - window - horizon);
  const out = emptyQuantiles();
  let lastErrors: number[] = [0];
  let lastStep = 1;
  for (let j = 1; j <= horizon; j++) {
    let errors: number[] = [];
    for (let o = first; o + j - 1 < n; o++) errors.push(history[o + j - 1] - predict(o, j));
    if (errors.length >= 8) {
      errors.sort((a, b) => a - b);
      lastErrors = errors;
      lastStep = j;
    } else {
      // Past the replayable range: reuse the last measured step widened by the random-walk rule.
      const widen = Math.sqrt(j / lastStep);
      errors = lastErrors.map((e) => e * widen);
    }
    for (const level of QUANTILE_LEVELS) out[level].push(point[j - 1] + quantileSorted(errors, QUANTILE_PROBABILITY[level]));
  }
  return out;
}

export function emptyQuantiles(): Record<QuantileLevel, number[]> {
  return { p05: [], p50: [], p90: [], p95: [], p99: [] };
}

/** Quantiles from a symmetric Gaussian spread: point ± z·sd[j]. */
export function gaussianQuantiles(point: readonly number[], sd: readonly number[]): Record<QuantileLevel, number[]> {
  const out = emptyQuantiles();
  for (const level of QUANTILE_LEVELS) out[level] = point.map((p, j) => p + Z[level] * sd[j]);
  return out;
}

/**
 * Make a forecast safe to act on: finite values, quantiles monotone across levels at every step,
 * and clipped at zero when the history never went negative (demand cannot be negative).
 */
export function finalizeForecast(f: Forecast, nonNegative: boolean): Forecast {
  const h = f.point.length;
  const notes = [...(f.notes ?? [])];
  let fixed = false;
  const fallback = f.point.find((v) => Number.isFinite(v)) ?? 0;
  const point = f.point.map((v) => (Number.isFinite(v) ? v : ((fixed = true), fallback)));
  const q = emptyQuantiles();
  for (let j = 0; j < h; j++) {
    let prev = -Infinity;
    for (const level of QUANTILE_LEVELS) {
      let v = f.quantiles[level]?.[j];
      if (v === undefined || !Number.isFinite(v)) {
        fixed = true;
        v = point[j];
      }
      if (nonNegative) v = Math.max(0, v);
      v = Math.max(v, prev);
      q[level].push(v);
      prev = v;
    }
  }
  const p = nonNegative ? point.map((v) => Math.max(0, v)) : point;
  if (fixed) notes.push('non-finite values replaced by the nearest finite forecast');
  return { ...f, point: p, quantiles: q, notes };
}

export function isNonNegative(values: readonly number[]): boolean {
  for (const v of values) if (v < 0) return false;
  return true;
}

/** Inverse standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/**
 * Value at probability `p` from known (probability, value) pairs, interpolating linearly in
 * normal-score space (so P93 sits between P90 and P95 the way a bell curve would put it) and
 * extrapolating from the outermost pair beyond the known range.
 */
export function interpolateQuantile(levels: readonly number[], values: readonly number[], p: number): number {
  const z = normalQuantile(p);
  const zs = levels.map(normalQuantile);
  let i = 0;
  while (i < zs.length - 2 && z > zs[i + 1]) i++;
  const span = zs[i + 1] - zs[i];
  const w = span === 0 ? 0 : (z - zs[i]) / span;
  return values[i] + w * (values[i + 1] - values[i]);
}

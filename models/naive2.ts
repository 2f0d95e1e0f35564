import { acf } from './characterise';

/**
 * Naive2, the M4 competition's benchmark (R code of the M4 organisers): if the series passes a
 * 90 % seasonality test at lag m, divide it by the seasonal indices of a classical multiplicative
 * decomposition, forecast the last seasonally adjusted value flat and multiply the indices back.
 * OWA is relative to Naive2 on the same series, so scoring a subset needs it per series.
 */

export interface SeasonalityTest {
  seasonal: boolean;
  /** Autocorrelation at lag m. */
  acf: number;
  /** 1.645·sqrt((1 + 2·Σ_{k<m} r_k²) / n): the 90 % one-sided limit. */
  limit: number;
}

/** Seasonal when |r_m| exceeds the 90 % limit; series shorter than 3 seasons never are (as in M4). */
export function seasonalityTest(values: readonly number[], m: number): SeasonalityTest {
  const n = values.length;
  if (m < 2 || n < 3 * m) return { seasonal: false, acf: NaN, limit: NaN };
  let sumSq = 0;
  for (let k = 1; k < m; k++) sumSq += acf(values, k, n) ** 2;
  const limit = 1.645 * Math.sqrt((1 + 2 * sumSq) / n);
  const rm = acf(values, m, n);
  return { seasonal: Math.abs(rm) > limit, acf: rm, limit };
}

/**
 * Seasonal indices of R's decompose(type = "multiplicative"): ratios of the series to its centred
 * moving average (2×m for even m), averaged per phase (phase = index mod m from the first value),
 * scaled to mean 1.
 */
export function multiplicativeIndices(values: readonly number[], m: number): number[] {
  const n = values.length;
  const half = Math.floor(m / 2);
  const sum = new Float64Array(m);
  const count = new Uint32Array(m);
  for (let t = half; t < n - half; t++) {
    let trend = 0;
    if (m % 2 === 0) {
      for (let k = -half + 1; k < half; k++) trend += values[t + k];
      trend = (trend + 0.5 * (values[t - half] + values[t + half])) / m;
    } else {
      for (let k = -half; k <= half; k++) trend += values[t + k];
      trend /= m;
    }
    sum[t % m] += values[t] / trend;
    count[t % m]++;
  }
  const figure = Array.from(sum, (s, i) => s / count[i]);
  const mean = figure.reduce((a, b) => a + b, 0) / m;
  return figure.map((f) => f / mean);
}

/** Naive2 forecast of h steps with seasonal period m (m ≤ 1: plain naive). */
export function naive2(values: readonly number[], m: number, h: number): { forecast: number[]; seasonal: boolean } {
  const n = values.length;
  if (n === 0) throw new RangeError('naive2 needs at least one value');
  const seasonal = m > 1 && seasonalityTest(values, m).seasonal;
  if (!seasonal) return { forecast: new Array<number>(h).fill(values[n - 1]), seasonal };
  const index = multiplicativeIndices(values, m);
  const level = values[n - 1] / index[(n - 1) % m];
  return { forecast: Array.from({ length: h }, (_, j) => level * index[(n + j) % m]), seasonal };
}

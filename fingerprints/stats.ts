import { quantileSorted } from '../models/quantiles';

/** Window statistics of one signal: mean, population std, p50/p95/p99 (linear interpolation), entropy. */
export interface WindowStats {
  mean: number;
  std: number;
  p50: number;
  p95: number;
  p99: number;
  /** Shannon entropy (bits) of a histogram with `ENTROPY_BINS` equal bins over [min, max]. */
  entropy: number;
}
export const STAT_NAMES = ['mean', 'std', 'p50', 'p95', 'p99', 'entropy'] as const;
export const ENTROPY_BINS = 10;

export function windowStats(values: readonly number[]): WindowStats {
  const n = values.length;
  if (n === 0) return { mean: 0, std: 0, p50: 0, p95: 0, p99: 0, entropy: 0 };
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / n;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  const sorted = [...values].sort((a, b) => a - b);
  return {
    mean,
    std: Math.sqrt(ss / n),
    p50: quantileSorted(sorted, 0.5),
    p95: quantileSorted(sorted, 0.95),
    p99: quantileSorted(sorted, 0.99),
    entropy: histogramEntropy(sorted[0], sorted[n - 1], values),
  };
}

/** A constant window has entropy 0; the maximum is log2(ENTROPY_BINS) when the values spread evenly. */
export function histogramEntropy(min: number, max: number, values: readonly number[]): number {
  const width = max - min;
  if (!(width > 0)) return 0;
  const counts = new Array<number>(ENTROPY_BINS).fill(0);
  for (const v of values) counts[Math.min(ENTROPY_BINS - 1, Math.floor(((v - min) / width) * ENTROPY_BINS))]++;
  let h = 0;
  for (const c of counts) {
    if (c > 0) {
      const p = c / values.length;
      h -= p * Math.log2(p);
    }
  }
  return h;
}

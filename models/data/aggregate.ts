/**
 * Aggregate every K consecutive points into one (sum for counts, mean for rates/utilisation).
 * A trailing partial bucket is dropped: it would look like a sudden drop in a sum.
 * Plain loops, not danfojs: this runs on the 5M-value NASA trace and must stay in milliseconds.
 */
export type AggFn = 'sum' | 'mean';

export function aggregate(values: readonly number[], k: number, fn: AggFn = 'mean'): number[] {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`aggregation factor must be a positive integer, got ${k}`);
  if (k === 1) return values.slice();
  const buckets = Math.floor(values.length / k);
  const out = new Array<number>(buckets);
  for (let b = 0; b < buckets; b++) {
    let sum = 0;
    let n = 0;
    for (let i = b * k; i < (b + 1) * k; i++) {
      const v = values[i];
      if (Number.isNaN(v)) continue;
      sum += v;
      n++;
    }
    // A bucket with missing points: scale the sum up so gaps do not read as demand drops.
    out[b] = n === 0 ? NaN : fn === 'mean' ? sum / n : (sum * k) / n;
  }
  return out;
}

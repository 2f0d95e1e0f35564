/**
 * Put observations on a regular time grid and fill missing points. Short gaps are interpolated
 * linearly; long gaps are interpolated too (models need a regular series) but reported, so the
 * caller can see that part of the history is invented.
 */

export interface Gap {
  /** Index of the first missing point on the regular grid. */
  start: number;
  length: number;
  long: boolean;
}

export interface Regular {
  values: number[];
  /** Seconds between grid points (undefined when the input had no timestamps). */
  stepSeconds?: number;
  /** Epoch milliseconds of the first grid point. */
  startMs?: number;
  gaps: Gap[];
  duplicates: number;
}

/** Median positive spacing: robust to the odd gap or jitter. */
export function inferStepMs(timesMs: readonly number[]): number {
  const diffs: number[] = [];
  for (let i = 1; i < timesMs.length; i++) if (timesMs[i] > timesMs[i - 1]) diffs.push(timesMs[i] - timesMs[i - 1]);
  if (diffs.length === 0) return NaN;
  diffs.sort((a, b) => a - b);
  return diffs[diffs.length >> 1];
}

/** Snap (time, value) pairs to the grid t0 + k·step, averaging duplicates; missing cells are NaN. */
export function toGrid(timesMs: readonly number[], values: readonly number[]): Regular {
  const order = timesMs.map((_, i) => i).sort((a, b) => timesMs[a] - timesMs[b]);
  const t = order.map((i) => timesMs[i]);
  const v = order.map((i) => values[i]);
  const step = inferStepMs(t);
  if (!Number.isFinite(step)) return { values: v, gaps: [], duplicates: Math.max(0, v.length - 1) };
  const t0 = t[0];
  const size = Math.round((t[t.length - 1] - t0) / step) + 1;
  const sum = new Float64Array(size);
  const count = new Uint32Array(size);
  let duplicates = 0;
  for (let i = 0; i < t.length; i++) {
    if (Number.isNaN(v[i])) continue;
    const k = Math.round((t[i] - t0) / step);
    if (count[k] > 0) duplicates++;
    sum[k] += v[i];
    count[k]++;
  }
  const grid = Array.from(sum, (s, k) => (count[k] ? s / count[k] : NaN));
  return { values: grid, stepSeconds: step / 1000, startMs: t0, gaps: [], duplicates };
}

/** Fill NaN runs by linear interpolation; runs longer than `maxShortGap` are flagged `long`. */
export function fillGaps(values: number[], maxShortGap: number): Gap[] {
  const gaps: Gap[] = [];
  const n = values.length;
  let i = 0;
  while (i < n) {
    if (!Number.isNaN(values[i])) {
      i++;
      continue;
    }
    let j = i;
    while (j < n && Number.isNaN(values[j])) j++;
    const left = i > 0 ? values[i - 1] : values[j];
    const right = j < n ? values[j] : left;
    for (let k = i; k < j; k++) values[k] = left + ((right - left) * (k - i + 1)) / (j - i + 1);
    gaps.push({ start: i, length: j - i, long: j - i > maxShortGap });
    i = j;
  }
  return gaps;
}

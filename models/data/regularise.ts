/**
 * Fill the missing points of a regular series (frames.ts puts timestamped rows on the grid).
 * Short gaps are interpolated linearly; long gaps are interpolated too (models need a regular
 * series) but reported, so the caller can see that part of the history is invented. Plain loops:
 * they run on every series the CLI loads, the 5M-point NASA trace included.
 */

export interface Gap {
  /** Index of the first missing point on the regular grid. */
  start: number;
  length: number;
  long: boolean;
}

/** Median positive spacing: robust to the odd gap or jitter. */
export function inferStepMs(timesMs: readonly number[]): number {
  const diffs: number[] = [];
  for (let i = 1; i < timesMs.length; i++) if (timesMs[i] > timesMs[i - 1]) diffs.push(timesMs[i] - timesMs[i - 1]);
  if (diffs.length === 0) return NaN;
  diffs.sort((a, b) => a - b);
  return diffs[diffs.length >> 1];
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

/**
 * Hampel filter: flag points further than `threshold` robust standard deviations (1.4826·MAD)
 * from the rolling median of a centred window. Flags only: history is never deleted or changed,
 * because a real spike is exactly what the scaler must learn to anticipate.
 */
export function hampelFlags(values: readonly number[], halfWindow = 12, threshold = 3): number[] {
  const n = values.length;
  if (n < 3) return [];
  // A local MAD of 0 (flat or zero-heavy stretches) would flag every blip; floor it at a tenth
  // of the global robust scale.
  const floor = 0.1 * robustScale(values);
  const flags: number[] = [];
  const win: number[] = [];
  for (let i = 0; i < n; i++) {
    const lo = Math.max(0, i - halfWindow);
    const hi = Math.min(n, i + halfWindow + 1);
    win.length = 0;
    for (let j = lo; j < hi; j++) win.push(values[j]);
    win.sort((a, b) => a - b);
    const med = mid(win);
    for (let j = 0; j < win.length; j++) win[j] = Math.abs(win[j] - med);
    win.sort((a, b) => a - b);
    const scale = Math.max(1.4826 * mid(win), floor);
    if (scale > 0 && Math.abs(values[i] - med) > threshold * scale) flags.push(i);
  }
  return flags;
}

function mid(sorted: readonly number[]): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

/** 1.4826·MAD of the whole series, or the standard deviation when the MAD is 0. */
export function robustScale(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const med = mid(sorted);
  const dev = sorted.map((v) => Math.abs(v - med)).sort((a, b) => a - b);
  const mad = 1.4826 * mid(dev);
  if (mad > 0) return mad;
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
}

/**
 * Split-conformal band from out-of-sample residuals (actual − forecast): with n residuals
 * exchangeable with the future one, the ⌊(n+1)·a⌋-th smallest and the ⌈(n+1)·(1−a)⌉-th smallest
 * leave at most a share a outside on each side, so P10–P90 (a = 0.1) covers at least 80 %. When n
 * is too small for an order statistic (n + 1 < 1/a), the most extreme residual stands in for it
 * (the band is then slightly narrower than the guarantee; say so where it matters).
 */
export function conformalBand(residuals: readonly number[], tail = 0.1): { lower: number; upper: number; n: number } {
  if (!(tail > 0 && tail < 0.5)) throw new RangeError(`conformal band: tail must be in (0, 0.5), got ${tail}`);
  const r = residuals.filter(Number.isFinite).sort((a, b) => a - b);
  const n = r.length;
  if (n === 0) return { lower: 0, upper: 0, n };
  const lo = Math.floor((n + 1) * tail);
  const hi = Math.ceil((n + 1) * (1 - tail));
  return { lower: r[Math.max(1, lo) - 1], upper: r[Math.min(n, hi) - 1], n };
}

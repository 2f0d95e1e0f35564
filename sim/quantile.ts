/** Quantile helpers for turning a forecast's fixed levels (P05…P99) into any level the policy asks for. */

/** Inverse standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858589980837, -155.6989798598866, 66.80131188771972, -13.28068155288572];
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

/** Empirical quantile of an already sorted array (linear between order statistics). */
export function sortedQuantile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const pos = (n - 1) * Math.min(1, Math.max(0, p));
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

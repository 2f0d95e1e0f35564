/**
 * The load-to-utilisation map of a group of instances: utilisation ≈ floor + perRequest × request
 * rate (an instance's CPU is its idle floor plus what each request costs it). Fitted by Huber
 * regression (iteratively reweighted least squares), so a few steps where the machine stalled or a
 * member's loop was blocked do not tilt the line. A cost per request cannot be negative: when the
 * fitted slope is, the map is the (Huber) level alone.
 */
export interface LoadMap {
  floor: number;
  perRequest: number;
}

export interface LoadMapOptions {
  /** Huber threshold in robust standard deviations of the residuals (default 1.345: 95 % efficiency on gaussian noise). */
  k?: number;
  iterations?: number;
}

export function applyLoadMap(m: LoadMap, load: number): number {
  return m.floor + m.perRequest * load;
}

export function fitLoadMap(load: readonly number[], value: readonly number[], opts: LoadMapOptions = {}): LoadMap {
  if (load.length !== value.length) throw new RangeError(`load map: ${load.length} load values but ${value.length} utilisation values; give one of each per step`);
  if (load.length < 2) throw new RangeError(`load map: needs at least 2 steps, got ${load.length}`);
  load.forEach((x, i) => {
    if (!Number.isFinite(x) || !Number.isFinite(value[i])) throw new RangeError(`load map: step ${i} has a non-finite load (${x}) or utilisation (${value[i]})`);
  });
  const k = opts.k ?? 1.345;
  const iterations = opts.iterations ?? 50;
  let w = load.map(() => 1);
  let fit = weightedLine(load, value, w);
  for (let it = 0; it < iterations; it++) {
    const r = load.map((x, i) => value[i] - (fit.floor + fit.perRequest * x));
    const scale = medianAbs(r) / 0.6745;
    // All residuals (nearly) zero: the line is exact.
    if (!(scale > 1e-12)) break;
    const next = r.map((e) => (Math.abs(e) <= k * scale ? 1 : (k * scale) / Math.abs(e)));
    const nextFit = weightedLine(load, value, next);
    const moved = Math.abs(nextFit.floor - fit.floor) + Math.abs(nextFit.perRequest - fit.perRequest);
    w = next;
    fit = nextFit;
    if (moved < 1e-12) break;
  }
  return fit;
}

/** Weighted least-squares line; a flat (or negative-slope) fit falls back to the weighted level. */
function weightedLine(x: readonly number[], y: readonly number[], w: readonly number[]): LoadMap {
  let sw = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < x.length; i++) {
    sw += w[i];
    sx += w[i] * x[i];
    sy += w[i] * y[i];
  }
  const mx = sx / sw;
  const my = sy / sw;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < x.length; i++) {
    sxx += w[i] * (x[i] - mx) ** 2;
    sxy += w[i] * (x[i] - mx) * (y[i] - my);
  }
  const slope = sxx > 1e-12 ? sxy / sxx : 0;
  if (slope <= 0) return { floor: my, perRequest: 0 };
  return { floor: my - slope * mx, perRequest: slope };
}

function medianAbs(r: readonly number[]): number {
  const a = r.map(Math.abs).sort((p, q) => p - q);
  const mid = a.length >> 1;
  return a.length % 2 ? a[mid] : (a[mid - 1] + a[mid]) / 2;
}

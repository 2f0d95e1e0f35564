/**
 * Nelder-Mead simplex minimiser (derivative-free). Used to fit smoothing and ARMA parameters,
 * whose objectives (SSE, CSS) are cheap but not smooth enough for reliable gradients.
 * Parameters are unconstrained: callers map them into their valid region (sigmoid, tanh).
 */

export interface NelderMeadOptions {
  /** Maximum objective evaluations (default 200 per parameter). */
  maxEvals?: number;
  /** Stop when the spread of objective values in the simplex falls below this (relative). */
  tolerance?: number;
  /** Initial step along each axis. */
  step?: number;
}

export interface NelderMeadResult {
  x: number[];
  fx: number;
  evals: number;
}

export function nelderMead(
  f: (x: number[]) => number,
  x0: readonly number[],
  opts: NelderMeadOptions = {},
): NelderMeadResult {
  const n = x0.length;
  const maxEvals = opts.maxEvals ?? 200 * Math.max(1, n);
  const tol = opts.tolerance ?? 1e-8;
  const step = opts.step ?? 0.5;
  let evals = 0;
  // Non-finite objective values are treated as +Infinity so the simplex moves away from them.
  const value = (x: number[]): number => {
    evals++;
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  if (n === 0) return { x: [], fx: value([]), evals };

  const simplex: number[][] = [x0.slice()];
  for (let i = 0; i < n; i++) {
    const v = x0.slice();
    v[i] += step;
    simplex.push(v);
  }
  const fs = simplex.map(value);

  while (evals < maxEvals) {
    const order = fs.map((_, i) => i).sort((a, b) => fs[a] - fs[b]);
    const sorted = order.map((i) => simplex[i]);
    const fSorted = order.map((i) => fs[i]);
    for (let i = 0; i <= n; i++) {
      simplex[i] = sorted[i];
      fs[i] = fSorted[i];
    }
    const spread = Math.abs(fs[n] - fs[0]);
    if (Number.isFinite(fs[n]) && spread <= tol * (Math.abs(fs[0]) + tol)) break;

    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j] += simplex[i][j] / n;
    const along = (t: number): number[] => centroid.map((c, j) => c + t * (simplex[n][j] - c));

    const xr = along(-1);
    const fr = value(xr);
    if (fr < fs[0]) {
      const xe = along(-2);
      const fe = value(xe);
      if (fe < fr) {
        simplex[n] = xe;
        fs[n] = fe;
      } else {
        simplex[n] = xr;
        fs[n] = fr;
      }
    } else if (fr < fs[n - 1]) {
      simplex[n] = xr;
      fs[n] = fr;
    } else {
      const outside = fr < fs[n];
      const xc = along(outside ? -0.5 : 0.5);
      const fc = value(xc);
      if (fc < (outside ? fr : fs[n])) {
        simplex[n] = xc;
        fs[n] = fc;
      } else {
        // Shrink towards the best vertex.
        for (let i = 1; i <= n; i++) {
          simplex[i] = simplex[i].map((v, j) => simplex[0][j] + 0.5 * (v - simplex[0][j]));
          fs[i] = value(simplex[i]);
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i <= n; i++) if (fs[i] < fs[best]) best = i;
  return { x: simplex[best], fx: fs[best], evals };
}

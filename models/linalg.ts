/**
 * Small dense linear algebra for least squares: normal equations and a Cholesky solve.
 * Matrices are row-major Float64Arrays; sizes here are tens of columns, so O(p^3) is trivial.
 */

/** Solves A x = b for symmetric positive definite A (p x p, row-major). Adds jitter if needed. */
export function choleskySolve(a: Float64Array, b: Float64Array, p: number): Float64Array {
  let jitter = 0;
  const scale = Math.max(1e-300, ...Array.from({ length: p }, (_, i) => Math.abs(a[i * p + i])));
  for (let attempt = 0; attempt < 8; attempt++) {
    const l = cholesky(a, p, jitter);
    if (l) return substitute(l, b, p);
    // Not positive definite (collinear columns): regularise slightly and retry.
    jitter = jitter === 0 ? scale * 1e-10 : jitter * 100;
  }
  throw new Error('choleskySolve: matrix is not positive definite even with jitter');
}

function cholesky(a: Float64Array, p: number, jitter: number): Float64Array | null {
  const l = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * p + j] + (i === j ? jitter : 0);
      for (let k = 0; k < j; k++) s -= l[i * p + k] * l[j * p + k];
      if (i === j) {
        if (!(s > 0) || !Number.isFinite(s)) return null;
        l[i * p + i] = Math.sqrt(s);
      } else {
        l[i * p + j] = s / l[j * p + j];
      }
    }
  }
  return l;
}

function substitute(l: Float64Array, b: Float64Array, p: number): Float64Array {
  const y = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * p + k] * y[k];
    y[i] = s / l[i * p + i];
  }
  const x = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < p; k++) s -= l[k * p + i] * x[k];
    x[i] = s / l[i * p + i];
  }
  return x;
}

export interface NormalEquations {
  xtx: Float64Array;
  xty: Float64Array;
  p: number;
}

/** X'X and X'y for rows of X (each a length-p array); optional per-row weights. */
export function normalEquations(rows: readonly ArrayLike<number>[], y: readonly number[], p: number, weights?: readonly number[]): NormalEquations {
  const xtx = new Float64Array(p * p);
  const xty = new Float64Array(p);
  for (let r = 0; r < rows.length; r++) {
    const x = rows[r];
    const w = weights ? weights[r] : 1;
    if (w === 0) continue;
    for (let i = 0; i < p; i++) {
      const xi = x[i] * w;
      if (xi === 0) continue;
      xty[i] += xi * y[r];
      for (let j = 0; j <= i; j++) xtx[i * p + j] += xi * x[j];
    }
  }
  for (let i = 0; i < p; i++) for (let j = 0; j < i; j++) xtx[j * p + i] = xtx[i * p + j];
  return { xtx, xty, p };
}

/** Solves (X'X + diag(penalty)) beta = X'y. `penalty` has one entry per column (0 = none). */
export function ridgeSolve(ne: NormalEquations, penalty?: readonly number[]): number[] {
  const a = Float64Array.from(ne.xtx);
  if (penalty) for (let i = 0; i < ne.p; i++) a[i * ne.p + i] += penalty[i];
  return Array.from(choleskySolve(a, ne.xty, ne.p));
}

/** Ordinary least squares with a tiny ridge for numerical safety. */
export function leastSquares(rows: readonly ArrayLike<number>[], y: readonly number[], p: number): number[] {
  const ne = normalEquations(rows, y, p);
  return ridgeSolve(ne, new Array<number>(p).fill(1e-9 * Math.max(1, rows.length)));
}

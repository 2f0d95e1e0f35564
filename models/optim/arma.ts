/**
 * Multiplicative SARIMA polynomials in expanded (sparse) form, and the conditional-sum-of-squares
 * recursion, psi weights and forecast recursion built on them. Writing the differencing into the
 * AR polynomial lets one recursion fit, forecast and integrate on the original scale.
 *
 * Conventions: y_t = sum_i ar[i] y_{t-lag_i} + e_t + sum_j ma[j] e_{t-lag_j}.
 */

export interface Sparse {
  lags: number[];
  coefs: number[];
}

export interface SarimaOrder {
  p: number;
  d: number;
  q: number;
  P: number;
  D: number;
  Q: number;
  m: number;
}

/** Dense polynomial product; polynomials as coefficient arrays with index = power of B. */
function multiply(a: readonly number[], b: readonly number[]): number[] {
  const out = new Array<number>(a.length + b.length - 1).fill(0);
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) for (let j = 0; j < b.length; j++) out[i + j] += a[i] * b[j];
  return out;
}

/** Coefficients c -> polynomial 1 + sign*(c1 B^s + c2 B^2s + ...). */
function lagPoly(c: readonly number[], step: number, sign: number): number[] {
  const out = new Array<number>(c.length * step + 1).fill(0);
  out[0] = 1;
  c.forEach((v, i) => (out[(i + 1) * step] = sign * v));
  return out;
}

function toSparse(poly: readonly number[], sign: number): Sparse {
  const lags: number[] = [];
  const coefs: number[] = [];
  for (let i = 1; i < poly.length; i++) {
    if (Math.abs(poly[i]) > 0) {
      lags.push(i);
      coefs.push(sign * poly[i]);
    }
  }
  return { lags, coefs };
}

/** Expanded AR (including differencing) and MA operators of a SARIMA model. */
export function expand(order: SarimaOrder, phi: readonly number[], theta: readonly number[], sphi: readonly number[], stheta: readonly number[]): { ar: Sparse; ma: Sparse } {
  let a = multiply(lagPoly(phi, 1, -1), lagPoly(sphi, order.m, -1));
  for (let i = 0; i < order.d; i++) a = multiply(a, [1, -1]);
  for (let i = 0; i < order.D; i++) {
    const s = new Array<number>(order.m + 1).fill(0);
    s[0] = 1;
    s[order.m] = -1;
    a = multiply(a, s);
  }
  const b = multiply(lagPoly(theta, 1, 1), lagPoly(stheta, order.m, 1));
  // AR polynomial is 1 - sum a_i B^i, so the recursion coefficient is -poly[i].
  return { ar: toSparse(a, -1), ma: toSparse(b, 1) };
}

export function maxLag(s: Sparse): number {
  return s.lags.length ? s.lags[s.lags.length - 1] : 0;
}

/**
 * CSS residuals: e_t = 0 before the AR lags are available. The sum of squares counts from
 * `scoreFrom` (at least the model's own start), so models with different lags can be compared
 * on the same observations.
 */
export function cssResiduals(x: readonly number[], ar: Sparse, ma: Sparse, scoreFrom = 0): { e: Float64Array; css: number; start: number } {
  const n = x.length;
  const start = maxLag(ar);
  const e = new Float64Array(n);
  let css = 0;
  const al = ar.lags;
  const ac = ar.coefs;
  const ml = ma.lags;
  const mc = ma.coefs;
  for (let t = start; t < n; t++) {
    let pred = 0;
    for (let i = 0; i < al.length; i++) pred += ac[i] * x[t - al[i]];
    for (let j = 0; j < ml.length; j++) {
      const k = t - ml[j];
      if (k >= start) pred += mc[j] * e[k];
    }
    const r = x[t] - pred;
    e[t] = r;
    if (t >= scoreFrom) css += r * r;
    if (!Number.isFinite(css)) return { e, css: Infinity, start };
  }
  return { e, css, start };
}

/** Forecast recursion with future shocks at zero. `xTail`/`eTail` end at the last observation. */
export function armaForecast(xTail: readonly number[], eTail: readonly number[], ar: Sparse, ma: Sparse, horizon: number): number[] {
  const x = xTail.slice();
  const e = eTail.slice();
  const nx = x.length;
  const ne = e.length;
  const out: number[] = [];
  for (let h = 0; h < horizon; h++) {
    let pred = 0;
    for (let i = 0; i < ar.lags.length; i++) {
      const k = nx + h - ar.lags[i];
      if (k >= 0) pred += ar.coefs[i] * x[k];
    }
    for (let j = 0; j < ma.lags.length; j++) {
      const k = ne + h - ma.lags[j];
      if (k >= 0 && k < ne) pred += ma.coefs[j] * e[k];
    }
    x.push(pred);
    e.push(0);
    out.push(pred);
  }
  return out;
}

/** sqrt(sum_{j<h} psi_j^2) for h = 1..horizon: the h-step standard-error multiplier. */
export function psiSpread(ar: Sparse, ma: Sparse, horizon: number): number[] {
  const psi = new Float64Array(horizon);
  const maDense = new Float64Array(horizon);
  ma.lags.forEach((l, j) => {
    if (l < horizon) maDense[l] = ma.coefs[j];
  });
  const out: number[] = [];
  let acc = 0;
  for (let j = 0; j < horizon; j++) {
    let v = j === 0 ? 1 : maDense[j];
    for (let i = 0; i < ar.lags.length; i++) {
      const k = j - ar.lags[i];
      if (k >= 0) v += ar.coefs[i] * psi[k];
    }
    psi[j] = v;
    acc += v * v;
    out.push(Math.sqrt(acc));
  }
  return out;
}

/** Maps unconstrained values to a stationary (or invertible) polynomial via partial autocorrelations. */
export function pacfToCoefs(x: readonly number[]): number[] {
  let phi: number[] = [];
  for (let k = 0; k < x.length; k++) {
    const r = Math.tanh(x[k]);
    const next = phi.map((v, j) => v - r * phi[k - 1 - j]);
    next.push(r);
    phi = next;
  }
  return phi;
}

/** Inverse of pacfToCoefs (step-down recursion); clamps near-unit roots so starts stay finite. */
export function coefsToPacf(phi: readonly number[]): number[] {
  let cur = phi.slice();
  const out: number[] = new Array<number>(phi.length).fill(0);
  for (let k = phi.length; k >= 1; k--) {
    const r = Math.max(-0.95, Math.min(0.95, cur[k - 1]));
    out[k - 1] = Math.atanh(r);
    const prev: number[] = [];
    for (let j = 0; j < k - 1; j++) prev.push((cur[j] + r * cur[k - 2 - j]) / (1 - r * r));
    cur = prev;
  }
  return out;
}

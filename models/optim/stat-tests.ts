/**
 * Unit-root and seasonality checks that decide SARIMA's differencing orders (d, D),
 * following the defaults of forecast::auto.arima: KPSS for d, seasonal strength for D.
 */
import { mean } from './intervals';

/** KPSS level-stationarity statistic; > 0.463 rejects stationarity at 5%. */
export function kpss(x: readonly number[]): number {
  const n = x.length;
  if (n < 8) return 0;
  const mu = mean(x);
  const e = x.map((v) => v - mu);
  let s = 0;
  let sumS2 = 0;
  for (const v of e) {
    s += v;
    sumS2 += s * s;
  }
  // Newey-West long-run variance with the short lag rule trunc(4 (n/100)^0.25).
  const lags = Math.floor(4 * Math.pow(n / 100, 0.25));
  let lrv = e.reduce((acc, v) => acc + v * v, 0) / n;
  for (let l = 1; l <= lags; l++) {
    let c = 0;
    for (let t = l; t < n; t++) c += e[t] * e[t - l];
    lrv += (2 * (1 - l / (lags + 1)) * c) / n;
  }
  if (!(lrv > 0)) return 0;
  return sumS2 / (n * n * lrv);
}

export const KPSS_CRITICAL_5PCT = 0.463;

/**
 * Seasonal strength F_s = max(0, 1 - var(remainder) / var(seasonal + remainder)) from a
 * moving-average decomposition (Wang, Smith & Hyndman 2006). auto.arima differences when >= 0.64.
 */
export function seasonalStrength(x: readonly number[], m: number): number {
  const n = x.length;
  if (m < 2 || n < 2 * m) return 0;
  const half = Math.floor(m / 2);
  // Centred moving average of length m (2 x m for even m) via prefix sums.
  const prefix = new Float64Array(n + 1);
  for (let t = 0; t < n; t++) prefix[t + 1] = prefix[t] + x[t];
  const detrended: number[] = [];
  const phase: number[] = [];
  for (let t = half; t < n - half; t++) {
    let trend: number;
    if (m % 2 === 1) trend = (prefix[t + half + 1] - prefix[t - half]) / m;
    else {
      if (t + half >= n) break;
      const inner = prefix[t + half] - prefix[t - half + 1];
      trend = (inner + 0.5 * (x[t - half] + x[t + half])) / m;
    }
    detrended.push(x[t] - trend);
    phase.push(t % m);
  }
  const sums = new Float64Array(m);
  const counts = new Float64Array(m);
  detrended.forEach((v, i) => {
    sums[phase[i]] += v;
    counts[phase[i]]++;
  });
  const remainder = detrended.map((v, i) => v - sums[phase[i]] / Math.max(1, counts[phase[i]]));
  const variance = (a: readonly number[]): number => {
    const mu = mean(a);
    return a.reduce((acc, v) => acc + (v - mu) * (v - mu), 0) / Math.max(1, a.length - 1);
  };
  const vd = variance(detrended);
  if (!(vd > 0)) return 0;
  return Math.max(0, 1 - variance(remainder) / vd);
}

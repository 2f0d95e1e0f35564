/**
 * Forecast error metrics with the M4 competition's official definitions, so our numbers can be
 * compared with the published M4 tables and recomputed by outside checks.
 */

/** M4 Hourly scores of the Naive2 benchmark; OWA is measured relative to them. */
export const M4_HOURLY_NAIVE2 = { smape: 18.383, mase: 2.395 } as const;

/** sMAPE in percent: mean of 200·|y − ŷ| / (|y| + |ŷ|); a step where both are 0 counts as 0. */
export function smape(actual: readonly number[], forecast: readonly number[]): number {
  checkLengths(actual, forecast);
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += smapeTerm(actual[i], forecast[i]);
  return sum / actual.length;
}

export function smapeTerm(y: number, f: number): number {
  const denom = Math.abs(y) + Math.abs(f);
  return denom === 0 ? 0 : (200 * Math.abs(y - f)) / denom;
}

/** MAPE in percent over the non-zero actuals only (NaN when every actual is zero). */
export function mape(actual: readonly number[], forecast: readonly number[]): number {
  checkLengths(actual, forecast);
  let sum = 0;
  let n = 0;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] === 0) continue;
    sum += (100 * Math.abs(actual[i] - forecast[i])) / Math.abs(actual[i]);
    n++;
  }
  return n === 0 ? NaN : sum / n;
}

/** Mean of |y_t − y_{t−m}| over t = m … n−1: the in-sample seasonal naive error that scales MASE. */
export function maseScale(insample: readonly number[], m: number): number {
  const lag = Math.max(1, Math.floor(m));
  if (insample.length <= lag) return NaN;
  let sum = 0;
  for (let t = lag; t < insample.length; t++) sum += Math.abs(insample[t] - insample[t - lag]);
  return sum / (insample.length - lag);
}

/** MASE: mean absolute error scaled by the in-sample seasonal naive error (M4 definition). */
export function mase(actual: readonly number[], forecast: readonly number[], insample: readonly number[], m: number): number {
  return mae(actual, forecast) / maseScale(insample, m);
}

export function mae(actual: readonly number[], forecast: readonly number[]): number {
  checkLengths(actual, forecast);
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += Math.abs(actual[i] - forecast[i]);
  return sum / actual.length;
}

/** Share of actuals inside [lower, upper] (the central 90% interval when given P05 and P95). */
export function coverage(actual: readonly number[], lower: readonly number[], upper: readonly number[]): number {
  checkLengths(actual, lower);
  checkLengths(actual, upper);
  let inside = 0;
  for (let i = 0; i < actual.length; i++) if (actual[i] >= lower[i] && actual[i] <= upper[i]) inside++;
  return inside / actual.length;
}

/** Overall Weighted Average: mean of sMAPE and MASE each relative to Naive2 (M4). */
export function owa(smapeValue: number, maseValue: number, naive2 = M4_HOURLY_NAIVE2): number {
  return (smapeValue / naive2.smape + maseValue / naive2.mase) / 2;
}

/** Mean that ignores NaN entries (NaN if nothing is left). */
export function nanMean(values: readonly number[]): number {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    sum += v;
    n++;
  }
  return n === 0 ? NaN : sum / n;
}

function checkLengths(a: readonly number[], b: readonly number[]): void {
  if (a.length !== b.length) throw new RangeError(`metric inputs differ in length: ${a.length} vs ${b.length}`);
  if (a.length === 0) throw new RangeError('metric inputs are empty');
}

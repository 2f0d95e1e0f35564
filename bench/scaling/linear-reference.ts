import type { FleetParams } from '../../sim/fleet';
import type { FrontierPoint } from '../../sim/frontier';
import { leastSquares } from '../../models/linalg';
import { bufferFrontier, windowPeak } from './buffer-frontier';

/**
 * Not a policy: a reference for what forecasting can buy on a trace. A linear forecaster — lags
 * 1…12, the day's lags s − 1, s, s + 1 and the week's, one direct least-squares fit per lead
 * 0…B — whose coefficients are fitted on the scored steps themselves (it has seen the test data),
 * used causally: the plan at step t reads demand up to t − 1 only. Its buffer is the in-sample
 * quantile of the window-peak miss divided by a causal scale (EWMA of its absolute lead-0 error,
 * half-life 12 steps). Where the product saves about what this saves, a better *linear* forecast
 * would not change the verdict; where even this is far below a target, the target needs a forecast
 * of a kind this trace does not support.
 */
export function linearReferenceFrontier(demand: readonly number[], params: FleetParams, quantiles: readonly number[], stepSeconds: number): FrontierPoint[] {
  const n = demand.length;
  const W = params.warmup;
  const B = params.bootSteps;
  const day = Math.round(86_400 / stepSeconds);
  const lags = [...Array.from({ length: 12 }, (_, i) => i + 1), day - 1, day, day + 1, 7 * day].filter((l, i, a) => l >= 1 && l <= W && a.indexOf(l) === i);
  const features = (t: number) => [1, ...lags.map((l) => demand[t - l])];
  const paths: number[][] = [];
  for (let k = 0; k <= B; k++) {
    const rows: number[][] = [];
    const y: number[] = [];
    for (let t = W; t + k < n; t++) {
      rows.push(features(t));
      y.push(demand[t + k]);
    }
    const beta = leastSquares(rows, y, lags.length + 1);
    paths.push(rows.map((r) => r.reduce((s, x, j) => s + x * beta[j], 0)));
  }
  // Lead-k path index j is step W + j; the last k steps have no lead-k row (the window is cut there).
  const at = (k: number, t: number) => paths[k][t - W] ?? -Infinity;
  const scale = new Array<number>(n).fill(1);
  const alpha = 1 - Math.pow(0.5, 1 / 12);
  let e: number | undefined;
  for (let t = W; t < n; t++) {
    scale[t] = e === undefined ? 1 : Math.max(1e-9, e);
    const r = Math.abs(demand[t] - at(0, t));
    e = e === undefined ? r : e + alpha * (r - e);
  }
  const peaks: number[] = [];
  const z: number[] = [];
  for (let t = W; t < n; t++) {
    let P = -Infinity;
    for (let k = 0; k <= B && t + k < n; k++) P = Math.max(P, at(k, t));
    peaks.push(P);
    z.push((windowPeak(demand, t, B) - P) / scale[t]);
  }
  return bufferFrontier(demand, params, quantiles, peaks, z, (t) => scale[t]);
}

import type { FleetParams } from '../../sim/fleet';
import { bufferFrontier, windowPeak } from './buffer-frontier';
import type { FrontierPoint } from '../../sim/frontier';

/**
 * Not a policy: a bound on what any "level + buffer" policy could save. It knows the future —
 * the level is a centred moving average (±3 steps) and the noise scale a centred mean absolute
 * deviation (±12 steps) — and the buffer is the in-sample quantile of the standardised window-peak
 * residual. Where even this saves less than a target, the target cannot be met by forecasting the
 * level better; the rest of the gap is noise no causal policy sees in advance.
 */
export function idealFrontier(demand: readonly number[], params: FleetParams, quantiles: readonly number[]): FrontierPoint[] {
  const n = demand.length;
  const B = params.bootSteps;
  const centred = (i: number, half: number, f: (j: number) => number) => {
    let s = 0;
    let c = 0;
    for (let k = -half; k <= half; k++) {
      if (i + k < 0 || i + k >= n) continue;
      s += f(i + k);
      c++;
    }
    return s / c;
  };
  const level = demand.map((_, i) => centred(i, 3, (j) => demand[j]));
  const scale = demand.map((_, i) => Math.max(1e-9, centred(i, 12, (j) => Math.abs(demand[j] - level[j]))));
  const peaks: number[] = [];
  const z: number[] = [];
  for (let t = params.warmup; t < n; t++) {
    const P = Math.max(0, windowPeak(level, t, B));
    peaks.push(P);
    z.push((Math.max(0, windowPeak(demand, t, B)) - P) / scale[t]);
  }
  return bufferFrontier(demand, params, quantiles, peaks, z, (t) => scale[t]);
}

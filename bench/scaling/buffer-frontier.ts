import { scoreFleet, withWarmup, type FleetParams } from '../../sim/fleet';
import type { FrontierPoint } from '../../sim/frontier';

/**
 * The frontier of a "peak + z × scale" rule over buffer quantiles: for each scored step t,
 * `peaks[t − W]` is the rule's peak over the boot window and `z` its standardised miss
 * `(realised window peak − peak) / scale(t)`; the buffer at quantile q is the in-sample quantile of
 * z. Shared by the references of bench:scaling (they differ only in how the peak and scale are had).
 */
export function bufferFrontier(
  demand: readonly number[],
  params: FleetParams,
  quantiles: readonly number[],
  peaks: readonly number[],
  z: readonly number[],
  scale: (t: number) => number,
): FrontierPoint[] {
  const sorted = [...z].sort((a, b) => a - b);
  return quantiles.map((q) => {
    const zq = sorted[Math.floor(q * (sorted.length - 1))];
    const decisions = peaks.map((p, j) => Math.max(1, Math.ceil((p + zq * scale(params.warmup + j)) / params.capacity - 1e-9)));
    const s = scoreFleet(demand, withWarmup(demand, decisions, params), params).score;
    return { knob: q, instanceSteps: s.instanceSteps, slaViolationPct: s.slaViolationPct };
  });
}

/** Realised peak of demand over the boot window t … t + B. */
export function windowPeak(values: readonly number[], t: number, bootSteps: number): number {
  let m = -Infinity;
  for (let k = 0; k <= bootSteps && t + k < values.length; k++) m = Math.max(m, values[t + k]);
  return m;
}

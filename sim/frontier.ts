import { oraclePolicy } from './policies/oracle';
import { reactivePolicy } from './policies/reactive';
import { predictivePolicy, tracePlans, type PredictiveOptions } from './policies/predictive';
import { fleetParams, runPolicy, type SimulationInput } from './simulate';

/** One point of a cost-vs-SLA frontier: a policy run at one setting of its knob. */
export interface FrontierPoint {
  knob: number;
  instanceSteps: number;
  slaViolationPct: number;
}

export interface Frontier {
  reactive: FrontierPoint[];
  predictive: FrontierPoint[];
  /** Instance-steps of perfect foresight (the cost floor the gap is measured to). */
  oracleInstanceSteps: number;
  comparison: FrontierComparison;
}

export interface FrontierComparison {
  /**
   * Per reactive Pareto point inside predictive's violation range: predictive's saving in
   * instance-steps (%) and, when the oracle is known, the share of reactive's gap to the oracle
   * that predictive closes there (%).
   */
  savings: { violationPct: number; reactiveInstanceSteps: number; predictiveInstanceSteps: number; savingPct: number; gapClosedPct?: number }[];
  medianSavingPct?: number;
  minSavingPct?: number;
  medianGapClosedPct?: number;
  /** Reactive Pareto points whose violation % predictive never reaches (below its range). */
  uncovered: number;
}

export const REACTIVE_UTILIZATIONS = [0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];
export const PREDICTIVE_QUANTILES = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999, 0.9999];

/** Sweeps reactive over U and predictive over its buffer quantile (forecasts are reused across the sweep). */
export async function sweepFrontier(
  input: SimulationInput,
  predictive: PredictiveOptions,
  stabilizationSteps: number,
): Promise<Frontier> {
  const reactive: FrontierPoint[] = [];
  for (const u of REACTIVE_UTILIZATIONS) {
    const o = await runPolicy(input, reactivePolicy({ targetUtilization: u, stabilizationSteps }));
    reactive.push({ knob: u, instanceSteps: o.score.instanceSteps, slaViolationPct: o.score.slaViolationPct });
  }
  const pred: FrontierPoint[] = [];
  // The planner computes every quantile in one pass: plan once, score each quantile.
  const plans = await tracePlans({ demand: input.demand, params: fleetParams(input), stepSeconds: input.stepSeconds }, predictive, PREDICTIVE_QUANTILES);
  for (const q of PREDICTIVE_QUANTILES) {
    const o = await runPolicy(input, predictivePolicy({ ...predictive, plans, quantile: q }));
    pred.push({ knob: q, instanceSteps: o.score.instanceSteps, slaViolationPct: o.score.slaViolationPct });
  }
  const oracle = (await runPolicy(input, oraclePolicy())).score.instanceSteps;
  return { reactive, predictive: pred, oracleInstanceSteps: oracle, comparison: compareFrontiers(reactive, pred, oracle) };
}

/** Lower envelope: the fewest instance-steps reachable at or below each violation level. */
export function paretoFront(points: readonly FrontierPoint[]): FrontierPoint[] {
  const sorted = [...points].sort((a, b) => a.slaViolationPct - b.slaViolationPct || a.instanceSteps - b.instanceSteps);
  const front: FrontierPoint[] = [];
  for (const p of sorted) if (front.length === 0 || p.instanceSteps < front[front.length - 1].instanceSteps) front.push(p);
  return front;
}

/** Instance-steps a frontier needs at violation `v` (linear between its Pareto points). */
export function instanceStepsAt(front: readonly FrontierPoint[], v: number): number | undefined {
  if (front.length === 0 || v < front[0].slaViolationPct) return undefined;
  for (let i = 0; i < front.length - 1; i++) {
    const a = front[i];
    const b = front[i + 1];
    if (v >= a.slaViolationPct && v <= b.slaViolationPct) {
      const w = b.slaViolationPct === a.slaViolationPct ? 0 : (v - a.slaViolationPct) / (b.slaViolationPct - a.slaViolationPct);
      return a.instanceSteps + w * (b.instanceSteps - a.instanceSteps);
    }
  }
  // Beyond predictive's largest violation: it can do at least as well as its cheapest point.
  return front[front.length - 1].instanceSteps;
}

export function compareFrontiers(reactive: readonly FrontierPoint[], predictive: readonly FrontierPoint[], oracleInstanceSteps?: number): FrontierComparison {
  const front = paretoFront(predictive);
  const savings: FrontierComparison['savings'] = [];
  let uncovered = 0;
  for (const r of paretoFront(reactive)) {
    const p = instanceStepsAt(front, r.slaViolationPct);
    if (p === undefined) {
      uncovered++;
      continue;
    }
    const gap = oracleInstanceSteps === undefined ? 0 : r.instanceSteps - oracleInstanceSteps;
    savings.push({
      violationPct: r.slaViolationPct,
      reactiveInstanceSteps: r.instanceSteps,
      predictiveInstanceSteps: Math.round(p),
      savingPct: 100 * (1 - p / r.instanceSteps),
      ...(gap > 0 ? { gapClosedPct: (100 * (r.instanceSteps - p)) / gap } : {}),
    });
  }
  const lowerMedian = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : undefined;
  };
  const savingsPct = savings.map((s) => s.savingPct);
  const gaps = savings.flatMap((s) => (s.gapClosedPct === undefined ? [] : [s.gapClosedPct]));
  return {
    savings,
    medianSavingPct: lowerMedian(savingsPct),
    minSavingPct: savingsPct.length ? Math.min(...savingsPct) : undefined,
    medianGapClosedPct: lowerMedian(gaps),
    uncovered,
  };
}

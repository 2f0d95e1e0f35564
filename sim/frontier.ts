import { reactivePolicy } from './policies/reactive';
import { defaultCandidates, predictivePolicy, type PredictiveOptions } from './policies/predictive';
import type { SimForecaster } from './forecast-adapter';
import { runPolicy, type SimulationInput } from './simulate';

/** One point of a cost-vs-SLA frontier: a policy run at one setting of its knob. */
export interface FrontierPoint {
  knob: number;
  instanceSteps: number;
  slaViolationPct: number;
}

export interface Frontier {
  reactive: FrontierPoint[];
  predictive: FrontierPoint[];
  comparison: FrontierComparison;
}

export interface FrontierComparison {
  /** Per reactive point inside predictive's violation range: predictive's saving in instance-steps (%). */
  savings: { violationPct: number; reactiveInstanceSteps: number; predictiveInstanceSteps: number; savingPct: number }[];
  medianSavingPct?: number;
  minSavingPct?: number;
}

export const REACTIVE_UTILIZATIONS = [0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];
export const PREDICTIVE_QUANTILES = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999];

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
  // Fits do not depend on the quantile: share them across the sweep.
  const candidates = (
    predictive.forecaster
      ? [{ forecaster: predictive.forecaster }]
      : (predictive.forecasters?.map((forecaster) => ({ forecaster })) ?? predictive.candidates ?? defaultCandidates())
  ).map((c) => ({ ...c, forecaster: memoForecaster(c.forecaster) }));
  for (const q of PREDICTIVE_QUANTILES) {
    const o = await runPolicy(input, predictivePolicy({ ...predictive, forecaster: undefined, forecasters: undefined, candidates, quantile: q }));
    pred.push({ knob: q, instanceSteps: o.score.instanceSteps, slaViolationPct: o.score.slaViolationPct });
  }
  return { reactive, predictive: pred, comparison: compareFrontiers(reactive, pred) };
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

export function compareFrontiers(reactive: readonly FrontierPoint[], predictive: readonly FrontierPoint[]): FrontierComparison {
  const front = paretoFront(predictive);
  const savings: FrontierComparison['savings'] = [];
  for (const r of paretoFront(reactive)) {
    const p = instanceStepsAt(front, r.slaViolationPct);
    if (p === undefined) continue;
    savings.push({
      violationPct: r.slaViolationPct,
      reactiveInstanceSteps: r.instanceSteps,
      predictiveInstanceSteps: Math.round(p),
      savingPct: 100 * (1 - p / r.instanceSteps),
    });
  }
  const sorted = savings.map((s) => s.savingPct).sort((a, b) => a - b);
  return {
    savings,
    medianSavingPct: sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : undefined,
    minSavingPct: sorted.length ? sorted[0] : undefined,
  };
}

/** Caches forecasts by origin so sweeping the quantile does not refit the model. */
export function memoForecaster(inner: SimForecaster): SimForecaster {
  const cache = new Map<string, ReturnType<typeof inner.forecast>>();
  return {
    name: inner.name,
    forecast(history, horizon, opts) {
      const key = `${opts.origin ?? 'x'}:${history.length}:${horizon}:${history[history.length - 1]}`;
      let hit = cache.get(key);
      if (!hit) {
        hit = inner.forecast(history, horizon, opts);
        cache.set(key, hit);
      }
      return hit;
    },
  };
}

/**
 * What each saga step's inputs and results say, turned into metric updates (observability/metrics.ts).
 * Called from activities in the worker process only (activity-metrics.ts); each function is
 * pure apart from setting the metrics, so the numbers can be checked from plain records.
 */
import type { DecisionContext } from '../decision/context';
import type { ForecastSummary } from '../decision/forecast';
import type { PlanSummary } from '../decision/plan';
import type { BudgetSummary, CompensationStep, DecisionRecord } from '../decision/record';
import { kineticMetrics as m } from './metrics';

/** Stages whose time is not a step of its own: the record write and the end marker. */
const NOT_TIMED = new Set(['startedAt', 'finishedAt', 'starting', 'record', 'done']);

export function observeContext(ctx: DecisionContext): void {
  m.capacityCurrent.set({ service: ctx.service }, ctx.current.total);
  m.capacityMaxDemand.set({ service: ctx.service }, ctx.maxInstances * ctx.capacityPerInstance);
}

export function observeForecast(ctx: DecisionContext, f: ForecastSummary): void {
  const service = ctx.service;
  if (f.mode === 'fallback') {
    // The fallback forecasts nothing: its zero peaks are not demand.
    m.fallbackActivations.inc({ service });
    return;
  }
  m.demandPredicted.set({ service, quantile: 'p50' }, f.peakP50);
  m.demandPredicted.set({ service, quantile: 'p90' }, f.peakP90);
  m.demandPredicted.set({ service, quantile: 'p99' }, f.peakP99);
  m.demandObserved.set({ service }, f.lastObserved);
  const capacity = ctx.current.total * ctx.capacityPerInstance;
  if (capacity > 0 && Number.isFinite(f.lastObserved)) {
    m.utilisation.set({ service }, f.lastObserved / capacity);
    m.waste.set({ service }, Math.max(0, 1 - f.lastObserved / (capacity * ctx.targetUtilization)));
  }
}

export function observePlan(service: string, plan: PlanSummary): void {
  m.capacityPlanned.set({ service }, plan.to);
}

export function observeBudget(budget: BudgetSummary): void {
  for (const l of budget.levels ?? []) {
    if (l.limit > 0) m.budgetUsed.set({ level: l.level, budget: l.id }, l.projected / l.limit);
  }
  if (!budget.levels?.length && budget.limit > 0) m.budgetUsed.set({ level: 'service', budget: budget.pool }, budget.projectedMonthly / budget.limit);
}

/** Seconds between two ISO instants (NaN when either is missing). */
function between(from: string | undefined, to: string | undefined): number {
  return from && to ? (Date.parse(to) - Date.parse(from)) / 1000 : NaN;
}

/** Each timed stage and how long it lasted: until the next stage entered, or the record. */
export function stageDurations(timings: Record<string, string>): Array<{ stage: string; seconds: number }> {
  const entered = Object.entries(timings)
    .filter(([k]) => k !== 'startedAt' && k !== 'finishedAt')
    .sort((a, b) => Date.parse(a[1]) - Date.parse(b[1]));
  const out: Array<{ stage: string; seconds: number }> = [];
  entered.forEach(([stage, at], i) => {
    if (NOT_TIMED.has(stage)) return;
    const seconds = between(at, entered[i + 1]?.[1] ?? timings.finishedAt);
    if (Number.isFinite(seconds) && seconds >= 0) out.push({ stage, seconds });
  });
  return out;
}

/** A finished decision, once: the caller passes only records the audit log newly took. */
export function observeRecord(r: DecisionRecord): void {
  const service = r.service;
  const outcome = r.outcome ?? 'failed';
  m.decisions.inc({ service, outcome, direction: r.plan?.direction ?? 'unplanned' });
  const total = between(r.startedAt, r.finishedAt);
  if (Number.isFinite(total) && total >= 0) m.decisionDuration.observe({ service, outcome }, total);
  for (const s of stageDurations(r.timings)) m.stageDuration.observe({ service, stage: s.stage }, s.seconds);
  if (outcome === 'committed') {
    const latency = between(r.timings.provision, r.timings.commit);
    if (Number.isFinite(latency) && latency >= 0) m.scalingLatency.observe({ service }, latency);
  }
  // A decision held for an operator was counted when its alert went out (observeCompensationFailed).
  if (!r.operatorAlert) observeCompensationFailed(service, r.compensation);
  if (r.approval?.mode === 'manual' && r.approval.decision) {
    const waited = between(r.timings.approval, r.approval.at ?? r.finishedAt);
    if (Number.isFinite(waited) && waited >= 0) m.approvalWait.observe({ service, answer: r.approval.decision }, waited);
  }
}

/** Failed compensation steps, counted when they happen: the decision then waits for `kinetic resolve`. */
export function observeCompensationFailed(service: string, steps: readonly CompensationStep[]): void {
  for (const c of steps) if (!c.ok) m.compensationFailures.inc({ service, step: c.step });
}

/** Forecast error of one reweighting run, per model and for the ensemble. */
export interface ForecastAccuracy {
  service: string;
  /** Ratios (0.25 = 25 %); NaN entries are skipped. */
  mape: Record<string, number>;
  mase: Record<string, number>;
  p90Coverage: number;
  points: number;
}

export function observeForecastAccuracy(a: ForecastAccuracy): void {
  const service = a.service;
  for (const [model, v] of Object.entries(a.mape)) if (Number.isFinite(v)) m.forecastMape.set({ service, model }, v);
  for (const [model, v] of Object.entries(a.mase)) if (Number.isFinite(v)) m.forecastMase.set({ service, model }, v);
  if (Number.isFinite(a.p90Coverage)) m.forecastCoverage.set({ service }, a.p90Coverage);
  if (a.points > 0) m.forecastScoredPoints.inc({ service }, a.points);
}

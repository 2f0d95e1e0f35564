/**
 * Metrics from the saga's activities: each observed activity's input and result update the
 * metrics after it succeeded (the operator alert: as its first attempt starts). Activities run in the worker process, so this is where Kinetic's
 * metrics live — never in workflow code, which replays. An observer that throws is ignored: a
 * metric must never fail a decision.
 */
import type { DecisionContext } from '../decision/context';
import type { ForecastSummary } from '../decision/forecast';
import type { PlanSummary } from '../decision/plan';
import type { BudgetSummary, DecisionRecord } from '../decision/record';
import type { ReservedBudget } from '../decision/review';
import type { OperatorAlert } from '../activities/operator-alerts';
import type { PlannedReviewedReserved } from '../activities/plan-review-reserve';
import { Context } from '@temporalio/activity';
import { RECORD_ACTIVITIES } from './decision-attributes';
import { observeBudget, observeCompensationFailed, observeContext, observeForecast, observePlan, observeRecord } from './decision-metrics';

type Observer = (input: never, result: never) => void;

/** Counted only when the audit log newly took the record: a retried write counts once. */
const recorded = (record: DecisionRecord, res: { written: boolean }) => res.written && observeRecord(record);

const OBSERVERS: Record<string, Observer> = {
  loadDecisionContext: (_: unknown, ctx: DecisionContext) => observeContext(ctx),
  forecastDemand: (input: { context: DecisionContext }, f: ForecastSummary) => observeForecast(input.context, f),
  planCapacity: (input: { context: DecisionContext }, plan: PlanSummary) => observePlan(input.context.service, plan),
  reserveBudget: (_: unknown, res: ReservedBudget | BudgetSummary) => observeBudget('budget' in res ? res.budget : res),
  planReviewAndReserve: (input: { context: DecisionContext }, res: PlannedReviewedReserved) => {
    observePlan(input.context.service, res.plan);
    if (res.reserved) observeBudget(res.reserved.budget);
  },
  ...Object.fromEntries([...RECORD_ACTIVITIES].map((name) => [name, recorded])),
};

/**
 * Observed when their first attempt starts, whatever its result: the operator alert of a failed
 * compensation is the moment the failure happens (its record is written only after `kinetic resolve`).
 */
const BEFORE: Record<string, (input: never) => void> = {
  deliverOperatorAlert: (input: { alert: OperatorAlert }) => observeCompensationFailed(input.alert.service, input.alert.compensation),
};

/** 1 outside an activity (direct calls): the attempt that counts. */
function attempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

/** The same activities; the observed ones update Kinetic's metrics after they succeed (or, for BEFORE, as they first start). */
export function withActivityMetrics<T extends Record<string, (...args: never[]) => Promise<unknown>>>(acts: T): T {
  const out: Record<string, unknown> = { ...acts };
  for (const [name, observe] of Object.entries(BEFORE)) {
    const fn = acts[name];
    if (!fn) continue;
    out[name] = async (...args: never[]) => {
      try {
        if (attempt() === 1) observe(args[0]);
      } catch {
        // A metric is never worth a failed step.
      }
      return fn(...args);
    };
  }
  for (const [name, observe] of Object.entries(OBSERVERS)) {
    const fn = acts[name];
    if (!fn) continue;
    out[name] = async (...args: never[]) => {
      const result = await fn(...args);
      try {
        observe(args[0], result as never);
      } catch {
        // A metric is never worth a failed step.
      }
      return result;
    };
  }
  return out as T;
}

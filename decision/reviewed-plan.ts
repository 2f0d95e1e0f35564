/**
 * Plan, policy review and (by the activity) budget reservation as one step: saga change
 * `merged-decision-steps`. Each local activity's result is one more activation of the
 * decision's workflow sandbox, the worker's main cost per decision; the three short steps run back
 * to back with nothing in between that needs the workflow, so they run as one.
 *
 * Where a step stops the decision (no allocation fits, nothing to change, the policy refuses) the
 * later steps do not run: the same gates as the three separate steps (decision/plan-gate.ts).
 */
import type { DecisionContext } from './context';
import type { ForecastSummary } from './forecast';
import { planGate } from './plan-gate';
import { planCapacity, type PlanSummary } from './plan';
import { reviewPlan, type PlanReview } from './review';

/** The plan, and its review when the plan is a change the policy must judge. */
export interface ReviewedPlan {
  plan: PlanSummary;
  review?: PlanReview;
}

export function planAndReview(c: DecisionContext, forecast: ForecastSummary, targetOverride: number | undefined, now: number): ReviewedPlan {
  const plan = planCapacity(c, forecast, targetOverride);
  if (planGate(plan) !== 'review') return { plan };
  return { plan, review: reviewPlan(c, plan, now) };
}

/** What a reviewed plan reserves: the stage the review applies now, when the policy allows it. */
export function planToReserve(r: ReviewedPlan): PlanSummary | undefined {
  if (!r.review?.policy.allowed) return undefined;
  return r.review.plan ?? r.plan;
}

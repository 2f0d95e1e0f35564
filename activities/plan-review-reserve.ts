import type { DecisionContext } from '../decision/context';
import type { ForecastSummary } from '../decision/forecast';
import { planAndReview, planToReserve, type ReviewedPlan } from '../decision/reviewed-plan';
import type { ReservedBudget } from '../decision/review';
import { budgetActivities } from './budget';
import type { ActivityDeps } from './deps';

/** The one-step plan, review and reservation's result: `reserved` only when the policy allowed the plan. */
export interface PlannedReviewedReserved extends ReviewedPlan {
  reserved?: ReservedBudget;
}

/**
 * Saga change `merged-decision-steps`: planCapacity, checkPolicy and reserveBudget as one
 * local activity (decision/reviewed-plan.ts says why). A retry repeats all three: the plan and the
 * review are pure, and the reservation is keyed by decision id at the authority.
 */
export function planReviewReserveActivities(deps: ActivityDeps) {
  const budget = budgetActivities(deps);
  return {
    async planReviewAndReserve(input: {
      decisionId: string;
      context: DecisionContext;
      forecast: ForecastSummary;
      targetOverride?: number;
      /** The workflow's clock, for the policy's cooldowns and windows. */
      now: number;
      dryRun: boolean;
    }): Promise<PlannedReviewedReserved> {
      const reviewed = planAndReview(input.context, input.forecast, input.targetOverride, input.now);
      const plan = planToReserve(reviewed);
      if (!plan) return reviewed;
      const reserved = await budget.reserveBudget({ decisionId: input.decisionId, context: input.context, plan, dryRun: input.dryRun, approval: reviewed.review!.approval });
      return { ...reviewed, reserved };
    },
  };
}

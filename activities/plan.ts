import type { DecisionContext } from '../decision/context';
import type { ForecastSummary } from '../decision/forecast';
import { planCapacity, type PlanSummary } from '../decision/plan';
import { reviewPlan, type PlanReview } from '../decision/review';

/** Thin adapters over decision/: the plan and its policy review are pure; these only carry the inputs. */
export function planActivities() {
  return {
    async planCapacity(input: { context: DecisionContext; forecast: ForecastSummary; targetOverride?: number }): Promise<PlanSummary> {
      return planCapacity(input.context, input.forecast, input.targetOverride);
    },
    async checkPolicy(input: { context: DecisionContext; plan: PlanSummary; now: number }): Promise<PlanReview> {
      return reviewPlan(input.context, input.plan, input.now);
    },
  };
}

/**
 * Whether a plan goes on to the policy review, or why the decision ends at the plan. Used by the
 * workflow and by the one-step plan, review and reservation (decision/reviewed-plan.ts), so both
 * stop at the same plans. Import-free (types only): the workflow bundle loads it.
 */
import type { PlanSummary } from './plan';

export type PlanGate = 'infeasible' | 'no-change' | 'review';

export function planGate(plan: PlanSummary): PlanGate {
  if (plan.allocation?.status === 'FAILURE') return 'infeasible';
  // Same total can still be a change: a new mix of tiers (rebalance) or a new template.
  const rebalance = Object.values(plan.tiers).some((t) => t.from !== t.to);
  return plan.direction === 'none' && !plan.vertical && !rebalance ? 'no-change' : 'review';
}

import type { DecisionContext } from '../decision/context';
import type { PlanSummary } from '../decision/plan';
import { reviewBudget, type ApprovalRequirement, type ReservedBudget } from '../decision/review';
import { alertsToFire, checkHierarchy, pathOf, spendByNode } from '../planning/budget-hierarchy';
import { checkBudget, HOURS_PER_MONTH } from '../planning/budget';
import { monthOf } from '../planning/chargeback';
import { deliverBudgetAlerts } from './budget-alerts';
import type { ActivityDeps } from './deps';
import { budgetTree } from './planning-spec';

/**
 * Budget check and reservation against the service's pool and, when `budgets:` is configured, every
 * level of company → department → project → service. The check and the reservation stay in one
 * step (no other decision reserves in between); the verdict and the final approval requirement
 * come from decision/review. Release and commit are idempotent.
 */
export function budgetActivities(deps: ActivityDeps) {
  return {
    async reserveBudget(input: {
      decisionId: string;
      context: DecisionContext;
      plan: PlanSummary;
      dryRun: boolean;
      /** The policy review's approval requirement; the result adds the budget's reasons to it. */
      approval: ApprovalRequirement;
    }): Promise<ReservedBudget> {
      const { context: c, plan } = input;
      const cfg = deps.config();
      const ledger = deps.budget();
      const projected = plan.hourlyCostAfter * HOURS_PER_MONTH;
      const usage = ledger.poolUsage(c.budgetPool, c.service, input.decisionId);
      const pool = checkBudget({ pool: c.budgetPool, monthlyLimit: c.monthlyBudget, projected, ...usage });
      const tree = budgetTree(cfg);
      const hierarchy = tree ? checkHierarchy(tree, c.service, projected, ledger.spend(), input.decisionId) : undefined;
      const review = reviewBudget({ plan, pool, hierarchy, onExceed: c.budget.onExceed, approval: input.approval });

      let reserved = false;
      if (review.allowed && !input.dryRun) {
        reserved = ledger.reserve({ decisionId: input.decisionId, service: c.service, pool: c.budgetPool, monthly: projected, at: new Date().toISOString() });
      }
      let alerts: string[] | undefined;
      if (tree && reserved) {
        const now = new Date();
        const due = alertsToFire(tree, spendByNode(tree, ledger.spend()), monthOf(now.getTime()), ledger.firedAlertKeys(), cfg.budgets?.alerts.thresholds);
        const fired = ledger.recordAlerts(due.map((a) => ({ ...a, firedAt: now.toISOString(), decisionId: input.decisionId })));
        await deliverBudgetAlerts(fired, cfg.budgets?.alerts.webhook, ledger);
        alerts = fired.map((a) => a.message);
      }
      const path = tree ? pathOf(tree, c.service).map((n) => n.id) : [`pool:${c.budgetPool}`];
      const hourlyDelta = plan.hourlyCostAfter - plan.hourlyCostBefore;
      return {
        budget: {
          allowed: review.allowed,
          pool: c.budgetPool,
          limit: c.monthlyBudget,
          projectedMonthly: projected,
          projectedTotal: pool.projectedTotal,
          reserved,
          released: false,
          message: review.message,
          levels: hierarchy?.levels,
          approvalReasons: review.approvalReasons,
          alerts,
          chargeback: { hourlyDelta, monthlyDelta: hourlyDelta * HOURS_PER_MONTH, path, tags: { service: c.service, ...c.budget.tags } },
        },
        approval: review.approval,
      };
    },
    async releaseBudget(input: { decisionId: string }): Promise<boolean> {
      return deps.budget().release(input.decisionId);
    },
    async commitBudget(input: { decisionId: string }): Promise<boolean> {
      return deps.budget().commit(input.decisionId);
    },
  };
}

import { checkBudget, projectedMonthlyCost } from '../planning/budget';
import type { BudgetSummary, PlanSummary } from '../workflows/decision-types';
import type { ActivityDeps } from './deps';
import type { DecisionContext } from './types';

/** Budget check and reservation; release and commit are idempotent so retries are harmless. */
export function budgetActivities(deps: ActivityDeps) {
  return {
    async reserveBudget(input: { decisionId: string; context: DecisionContext; plan: PlanSummary; dryRun: boolean }): Promise<BudgetSummary> {
      const { context: c, plan } = input;
      const ledger = deps.budget();
      const projected = projectedMonthlyCost(plan.to, c.hourlyPerInstance);
      const usage = ledger.poolUsage(c.budgetPool, c.service, input.decisionId);
      const verdict = checkBudget({ pool: c.budgetPool, monthlyLimit: c.monthlyBudget, projected, ...usage });
      let reserved = false;
      if (verdict.allowed && !input.dryRun) {
        reserved = ledger.reserve({ decisionId: input.decisionId, service: c.service, pool: c.budgetPool, monthly: projected, at: new Date().toISOString() });
      }
      return {
        allowed: verdict.allowed,
        pool: c.budgetPool,
        limit: c.monthlyBudget,
        projectedMonthly: projected,
        projectedTotal: verdict.projectedTotal,
        reserved,
        released: false,
        message: verdict.message,
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

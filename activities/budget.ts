import { alertsToFire, checkHierarchy, pathOf, spendByNode } from '../planning/budget-hierarchy';
import { checkBudget, HOURS_PER_MONTH } from '../planning/budget';
import { monthOf } from '../planning/chargeback';
import type { BudgetSummary, PlanSummary } from '../workflows/decision-types';
import { deliverBudgetAlerts } from './budget-alerts';
import type { ActivityDeps } from './deps';
import { budgetTree } from './planning-spec';
import type { DecisionContext } from './types';

/**
 * Budget check and reservation against the service's pool and, when `budgets:` is configured, every
 * level of company → department → project → service. Release and commit are idempotent.
 */
export function budgetActivities(deps: ActivityDeps) {
  return {
    async reserveBudget(input: { decisionId: string; context: DecisionContext; plan: PlanSummary; dryRun: boolean }): Promise<BudgetSummary> {
      const { context: c, plan } = input;
      const cfg = deps.config();
      const ledger = deps.budget();
      const projected = plan.hourlyCostAfter * HOURS_PER_MONTH;
      const usage = ledger.poolUsage(c.budgetPool, c.service, input.decisionId);
      const pool = checkBudget({ pool: c.budgetPool, monthlyLimit: c.monthlyBudget, projected, ...usage });
      const tree = budgetTree(cfg);
      const hierarchy = tree ? checkHierarchy(tree, c.service, projected, ledger.spend(), input.decisionId) : undefined;
      const over = !pool.allowed || (hierarchy !== undefined && !hierarchy.allowed);
      // A change that lowers the bill is never blocked by a budget: scaling in is how you get back under it.
      const lowersCost = plan.hourlyCostAfter <= plan.hourlyCostBefore + 1e-9;
      const sendToPerson = over && !lowersCost && c.budget.onExceed === 'require-approval';
      const allowed = !over || lowersCost || sendToPerson;
      const message = [pool.message, hierarchy?.message].filter(Boolean).join('; ') +
        (over && lowersCost ? '; allowed because the change lowers the hourly cost' : '');

      let reserved = false;
      if (allowed && !input.dryRun) {
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
        allowed,
        pool: c.budgetPool,
        limit: c.monthlyBudget,
        projectedMonthly: projected,
        projectedTotal: pool.projectedTotal,
        reserved,
        released: false,
        message,
        levels: hierarchy?.levels,
        approvalReasons: sendToPerson ? [`budget: ${message} (budget.onExceed is require-approval)`] : undefined,
        alerts,
        chargeback: { hourlyDelta, monthlyDelta: hourlyDelta * HOURS_PER_MONTH, path, tags: { service: c.service, ...c.budget.tags } },
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

import { alertsToFire, spendByNode } from '../planning/budget-hierarchy';
import { monthOf } from '../planning/chargeback';
import { writeJsonAtomic } from '../store/json-file';
import { deliverBudgetAlerts } from './budget-alerts';
import { budgetReportFile, buildBudgetReport, BudgetReportRow } from './budget-report';
import type { ActivityDeps } from './deps';
import { budgetTree } from './planning-spec';

/** What the scheduled budget report returns (shown in the Temporal UI as the workflow result). */
export interface BudgetReport {
  date: string;
  month: string;
  file: string;
  nodes: BudgetReportRow[];
  /** Alerts this run fired (thresholds crossed without a decision, e.g. by reservations). */
  alertsFired: string[];
}

export function budgetReportActivities(deps: ActivityDeps) {
  return {
    /** Writes `<stateRoot>/ledger/budget-report-<date>.json`; rewriting the same day is harmless. */
    async writeBudgetReport(input: { at: string }): Promise<BudgetReport> {
      const cfg = deps.config();
      const budget = deps.budget();
      const now = Date.parse(input.at);
      const month = monthOf(now);
      const tree = budgetTree(cfg);
      let alertsFired: string[] = [];
      if (tree) {
        const due = alertsToFire(tree, spendByNode(tree, budget.spend()), month, budget.firedAlertKeys(), cfg.budgets?.alerts.thresholds);
        const fired = budget.recordAlerts(due.map((a) => ({ ...a, firedAt: input.at })));
        await deliverBudgetAlerts(fired, cfg.budgets?.alerts.webhook, budget);
        alertsFired = fired.map((a) => a.message);
      }
      const report = buildBudgetReport(cfg, budget, deps.ledger(), month, now);
      const date = input.at.slice(0, 10);
      const file = budgetReportFile(cfg, date);
      writeJsonAtomic(file, report);
      return { date, month, file, nodes: report.nodes, alertsFired };
    },
  };
}

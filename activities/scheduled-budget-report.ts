import { activityInfo, Context } from '@temporalio/activity';
import { BudgetAuthorityClient } from '../client/budget-authority';
import { monthOf } from '../planning/chargeback';
import { writeJsonAtomic } from '../store/json-file';
import { budgetLimits, budgetRoots } from './budget-roots';
import { budgetReportFile, buildBudgetReport, BudgetReportRow } from './budget-report';
import type { ActivityDeps } from './deps';

/** What the scheduled budget report returns (shown in the Temporal UI as the workflow result). */
export interface BudgetReport {
  date: string;
  month: string;
  file: string;
  nodes: BudgetReportRow[];
  /** Alerts this run fired (thresholds crossed without a decision: a new month, lowered limits). */
  alertsFired: string[];
}

export function budgetReportActivities(deps: ActivityDeps) {
  return {
    /**
     * Asks every budget authority of the config to fire thresholds crossed without a reservation
     * (with today's limits), reads their books and writes `<stateRoot>/ledger/budget-report-<date>.json`;
     * rewriting the same day is harmless.
     */
    async writeBudgetReport(input: { at: string }): Promise<BudgetReport> {
      const cfg = deps.config();
      const authority = new BudgetAuthorityClient(Context.current().client, activityInfo().taskQueue);
      const limits = budgetLimits(cfg);
      const now = Date.parse(input.at);
      const month = monthOf(now);
      const alertsFired: string[] = [];
      const books = [];
      for (const root of budgetRoots(cfg).keys()) {
        alertsFired.push(...(await authority.checkAlerts(root, limits)).map((a) => a.message));
        books.push(await authority.book(root));
      }
      const report = buildBudgetReport(cfg, books, await deps.ledger().all(), month, now);
      const date = input.at.slice(0, 10);
      const file = budgetReportFile(cfg, date);
      writeJsonAtomic(file, report);
      return { date, month, file, nodes: report.nodes, alertsFired };
    },
  };
}

import { loadConfig } from '../../config/load';
import { buildBudgetReport } from '../../activities/budget-report';
import { validateMonth } from '../../planning/budget-hierarchy';
import { BudgetLedger } from '../../store/budget-ledger';
import { DecisionLedger } from '../../store/ledger';
import { CONFIG_FLAG, parseFlags } from '../args';
import { CliCommand, UserError } from '../command';
import { table } from '../explain';

const money = (v: number) => v.toFixed(2);

export const command: CliCommand = {
  name: 'budget',
  summary: 'budget report: limits, run-rates, reservations, month-to-date spend and alerts per budget level',
  usage: `Usage: kinetic budget report [--month YYYY-MM] [--json] [--config FILE]

One row per budget (company → department → project → service, or one per service without a
top-level budgets block): monthly limit, committed run-rate (per month), reservations of running
decisions, their sum as a share of the limit, spend accrued this month from committed decisions,
and the alert thresholds that fired. --json adds the cost of each decision (chargeback).`,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { ...CONFIG_FLAG, month: { type: 'string' }, json: { type: 'boolean' } }, 'budget');
    if (positionals[0] !== 'report') throw new UserError(`kinetic budget: unknown action "${positionals[0] ?? ''}"; use: kinetic budget report [--month YYYY-MM] [--json]`);
    const now = Date.now();
    const month = (values.month as string | undefined) ?? new Date(now).toISOString().slice(0, 7);
    try {
      validateMonth(month);
    } catch (e) {
      throw new UserError(`kinetic budget --month: ${(e as Error).message}`);
    }
    const cfg = loadConfig(values.config as string | undefined);
    const report = buildBudgetReport(cfg, new BudgetLedger(cfg.stateRoot), new DecisionLedger(cfg.stateRoot), month, now);
    if (values.json) {
      console.log(JSON.stringify(report, null, 2));
      return 0;
    }
    console.log(`Budget report for ${month} (generated ${report.generatedAt}; run-rates are per month of 730.5 h)`);
    console.log(
      table(
        ['BUDGET', 'LIMIT', 'COMMITTED', 'RESERVED', 'USED', 'ACCRUED', 'ALERTS'],
        report.nodes.map((n) => [
          `${'  '.repeat(['company', 'department', 'project', 'service'].indexOf(n.level))}${n.id}`,
          money(n.limit),
          money(n.committedMonthly),
          money(n.reservedMonthly),
          `${n.pct.toFixed(1)}%`,
          money(n.accrued),
          n.alerts.join(' ') || '-',
        ]),
      ),
    );
    console.log(`${report.decisions.length} committed decision(s) charged this month; ${report.alerts.length} alert(s) fired.`);
    return 0;
  },
};

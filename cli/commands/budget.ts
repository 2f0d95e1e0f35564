import { loadConfig } from '../../config/load';
import { buildBudgetReport } from '../../activities/budget-report';
import { budgetRoots } from '../../activities/budget-roots';
import { WorkflowNotFoundError } from '@temporalio/client';
import { connectClient } from '../../client';
import { BudgetAuthorityClient } from '../../client/budget-authority';
import { validateMonth } from '../../planning/budget-hierarchy';
import { createAuditLog } from '../../store/audit';
import { CONFIG_FLAG, parseFlags } from '../args';
import { CliCommand, UserError } from '../command';
import { table } from '../explain';

const money = (v: number) => v.toFixed(2);

export const command: CliCommand = {
  name: 'budget',
  summary: 'budget report: limits, run-rates, reservations, month-to-date spend and alerts per budget level',
  usage: `Usage: kinetic budget report [--month YYYY-MM] [--json] [--config FILE] [--task-queue NAME]

One row per budget (company → department → project → service, or one per service without a
top-level budgets block): monthly limit, committed run-rate (per month), reservations of running
decisions, their sum as a share of the limit, spend accrued this month from committed decisions,
and the alert thresholds that fired. --json adds the cost of each decision (chargeback) and the
reservations the budget authority released itself, with why.

Run-rates, reservations and alerts come from the budget authorities (a Query to the workflow
budget-<root>; a Kinetic worker must be running to answer it); spend from the audit log.
--task-queue names the deployment's task queue when it is not the config's.`,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { ...CONFIG_FLAG, month: { type: 'string' }, json: { type: 'boolean' }, 'task-queue': { type: 'string' } }, 'budget');
    if (positionals[0] !== 'report') throw new UserError(`kinetic budget: unknown action "${positionals[0] ?? ''}"; use: kinetic budget report [--month YYYY-MM] [--json]`);
    const now = Date.now();
    const month = (values.month as string | undefined) ?? new Date(now).toISOString().slice(0, 7);
    try {
      validateMonth(month);
    } catch (e) {
      throw new UserError(`kinetic budget --month: ${(e as Error).message}`);
    }
    const cfg = loadConfig(values.config as string | undefined);
    const client = await connectClient(undefined, { configPath: cfg.file });
    const authority = new BudgetAuthorityClient(client, (values['task-queue'] as string | undefined) ?? cfg.taskQueue);
    const books = [];
    try {
      for (const root of budgetRoots(cfg).keys()) books.push(await readBook(authority, root));
    } finally {
      await client.connection.close();
    }
    const report = buildBudgetReport(cfg, books.filter((b) => b !== undefined), await createAuditLog(cfg.state, cfg.stateRoot).all(), month, now);
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
    for (const r of report.released) console.log(`released by the budget authority: ${r.decisionId} (${money(r.monthly)}/month) — ${r.reason}`);
    return 0;
  },
};

/** A root no decision has reserved against yet has no authority: its services show their initial run-rate. */
async function readBook(authority: BudgetAuthorityClient, root: string) {
  try {
    // A Query needs a worker; without one the server would hold the call until its own deadline.
    return await authority.client.withDeadline(Date.now() + 15_000, () => authority.book(root));
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return undefined;
    throw new Error(`cannot read budget authority ${authority.workflowId(root)}: ${(e as Error).message} (is a Kinetic worker running?)`);
  }
}

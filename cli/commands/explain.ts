import { auditLogFor } from '../../store/audit';
import type { DecisionRecord } from '../../decision/record';
import { CliCommand, UserError } from '../command';
import { CONFIG_FLAG, parseFlags, requireFlag } from '../args';
import { explainDecision } from '../explain';
import { cliClient } from '../kinetic-client';

export const command: CliCommand = {
  name: 'explain',
  summary: 'explain a decision in plain words: forecast, plan, each verdict and why',
  usage: `Usage: kinetic explain DECISION_ID [--json] [--config FILE]

Reads the decision from Temporal (live or finished) and falls back to the audit log
(state.audit: .kinetic/ledger/decisions.jsonl or Postgres) when Temporal is unreachable or the
history was archived.`,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { ...CONFIG_FLAG, json: { type: 'boolean' } }, 'explain');
    const id = requireFlag(positionals[0], 'DECISION_ID', 'explain');
    let record: DecisionRecord | undefined;
    let temporalError: string | undefined;
    try {
      record = await (await cliClient(values.config as string | undefined)).getDecision(id);
    } catch (e) {
      temporalError = (e as Error).message;
    }
    if (!record) {
      try {
        record = await auditLogFor(values.config as string | undefined).find(id);
      } catch (e) {
        // No config: only Temporal could have answered; an unreachable audit store is worth saying.
        if ((e as Error).name !== 'ConfigError') temporalError = `${temporalError ?? 'not found'}; audit log: ${(e as Error).message}`;
      }
    }
    if (!record) throw new UserError(`no decision ${id} in Temporal (${temporalError ?? 'not found'}) or in the audit log`, 1);
    console.log(values.json ? JSON.stringify(record) : explainDecision(record));
    return 0;
  },
};

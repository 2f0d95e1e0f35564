import { loadConfig } from '../../config/load';
import { DecisionLedger } from '../../store/ledger';
import type { DecisionRecord } from '../../decision/record';
import { CliCommand, UserError } from '../command';
import { CONFIG_FLAG, parseFlags, requireFlag } from '../args';
import { explainDecision } from '../explain';
import { cliClient } from '../kinetic-client';

export const command: CliCommand = {
  name: 'explain',
  summary: 'explain a decision in plain words: forecast, plan, each verdict and why',
  usage: `Usage: kinetic explain DECISION_ID [--json] [--config FILE]

Reads the decision from Temporal (live or finished) and falls back to the audit ledger
(.kinetic/ledger/decisions.jsonl) when Temporal is unreachable or the history was archived.`,
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
        record = new DecisionLedger(loadConfig(values.config as string | undefined).stateRoot).find(id);
      } catch {
        /* no config: only Temporal could have answered */
      }
    }
    if (!record) throw new UserError(`no decision ${id} in Temporal (${temporalError ?? 'not found'}) or in the audit ledger`, 1);
    console.log(values.json ? JSON.stringify(record) : explainDecision(record));
    return 0;
  },
};

import { CliCommand } from '../command';
import { CONFIG_FLAG, parseFlags, requireFlag } from '../args';
import { cliClient } from '../kinetic-client';
import { explainRefusal } from './approve';

export const command: CliCommand = {
  name: 'reject',
  summary: 'reject a decision that waits for a person',
  usage: `Usage: kinetic reject DECISION_ID --as IDENTITY --reason TEXT

Sends the Temporal Update "reject"; the decision ends as approval-rejected, its budget reservation
is released and nothing is provisioned. IDENTITY must be in the service's approvers list.`,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { ...CONFIG_FLAG, as: { type: 'string' }, reason: { type: 'string' } }, 'reject');
    const id = requireFlag(positionals[0], 'DECISION_ID', 'reject');
    const identity = requireFlag(values.as as string | undefined, '--as', 'reject');
    const reason = requireFlag(values.reason as string | undefined, '--reason', 'reject');
    const kinetic = await cliClient(values.config as string | undefined);
    const rec = await kinetic.reject(id, identity, reason).catch(explainRefusal);
    console.log(`rejected ${rec.id} as ${identity}: ${reason}`);
    return 0;
  },
};

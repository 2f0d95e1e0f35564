import { CliCommand } from '../command';
import { CONFIG_FLAG, parseFlags, requireFlag } from '../args';
import { cliClient } from '../kinetic-client';
import { AUTH_FLAGS, answererFrom, optionalConfig } from '../auth-flags';
import { explainRefusal } from './approve';

export const command: CliCommand = {
  name: 'reject',
  summary: 'reject a decision that waits for a person',
  usage: `Usage: kinetic reject DECISION_ID --reason TEXT [--token-file FILE] [--config FILE]
       kinetic reject DECISION_ID --as IDENTITY --reason TEXT     (auth: { mode: unverified } only)

Sends the Temporal Update "reject" with your token (from \`kinetic login\`, or --token-file); the
decision ends as approval-rejected, its budget reservation is released and nothing is provisioned.
You must be one of the service's approvers; one rejection ends the decision, whatever the quorum.
Refused attempts are recorded like approvals (see \`kinetic approve --help\`).`,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { ...CONFIG_FLAG, ...AUTH_FLAGS, reason: { type: 'string' } }, 'reject');
    const id = requireFlag(positionals[0], 'DECISION_ID', 'reject');
    const reason = requireFlag(values.reason as string | undefined, '--reason', 'reject');
    const who = answererFrom('reject', values, optionalConfig(values.config as string | undefined));
    const kinetic = await cliClient(values.config as string | undefined);
    const rec = await kinetic.reject(id, who, reason).catch(explainRefusal);
    console.log(`rejected ${rec.id} as ${rec.approval?.decidedBy ?? who}: ${reason}`);
    return 0;
  },
};

import { CliCommand } from '../command';
import { CONFIG_FLAG, parseFlags, requireFlag } from '../args';
import { cliClient } from '../kinetic-client';

export const command: CliCommand = {
  name: 'approve',
  summary: 'approve a decision that waits for a person',
  usage: `Usage: kinetic approve DECISION_ID --as IDENTITY [--comment TEXT]

Sends the Temporal Update "approve" to the decision. The workflow checks IDENTITY against the
service's approval.approvers list and refuses anyone else (nothing is recorded for a refused try).`,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { ...CONFIG_FLAG, as: { type: 'string' }, comment: { type: 'string' } }, 'approve');
    const id = requireFlag(positionals[0], 'DECISION_ID', 'approve');
    const identity = requireFlag(values.as as string | undefined, '--as', 'approve');
    const kinetic = await cliClient(values.config as string | undefined);
    const rec = await kinetic.approve(id, identity, values.comment as string | undefined).catch(explainRefusal);
    console.log(`approved ${rec.id} as ${identity}; the decision continues (kinetic status ${rec.id})`);
    return 0;
  },
};

export function explainRefusal(e: Error & { cause?: Error }): never {
  throw new Error(e.cause?.message ?? e.message);
}

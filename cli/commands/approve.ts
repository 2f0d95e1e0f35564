import { CliCommand } from '../command';
import { CONFIG_FLAG, parseFlags, requireFlag } from '../args';
import { cliClient } from '../kinetic-client';
import { AUTH_FLAGS, answererFrom, optionalConfig } from '../auth-flags';

export const command: CliCommand = {
  name: 'approve',
  summary: 'approve a decision that waits for a person',
  usage: `Usage: kinetic approve DECISION_ID [--token-file FILE] [--comment TEXT] [--config FILE]
       kinetic approve DECISION_ID --as IDENTITY [--comment TEXT]     (auth: { mode: unverified } only)

Sends the Temporal Update "approve" with your OpenID Connect token (from \`kinetic login\`, or
--token-file). The worker verifies the token (signature, issuer, audience, expiry), takes your
identity from it and checks it against the service's approval.approvers (identities or
group:<name>); the person who started the decision may not approve it (four-eyes), and with
approval.required: N the decision waits for N different approvers. Every attempt, accepted or
refused with its reason, is recorded in the decision (approval.attempts) and its audit record.
A refused attempt exits 1 with "approve refused (<reason>): …".`,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { ...CONFIG_FLAG, ...AUTH_FLAGS, comment: { type: 'string' } }, 'approve');
    const id = requireFlag(positionals[0], 'DECISION_ID', 'approve');
    const who = answererFrom('approve', values, optionalConfig(values.config as string | undefined));
    const kinetic = await cliClient(values.config as string | undefined);
    const rec = await kinetic.approve(id, who, values.comment as string | undefined).catch(explainRefusal);
    const by = rec.approval?.approvedBy?.at(-1) ?? (typeof who === 'string' ? who : rec.approval?.decidedBy);
    if (rec.approval?.decision === 'approved') console.log(`approved ${rec.id} as ${by}; the decision continues (kinetic status ${rec.id})`);
    else {
      const n = rec.approval?.approvedBy?.length ?? 0;
      console.log(`approval of ${rec.id} by ${by} counted: ${n} of ${rec.approval?.required ?? 1}; it waits for ${(rec.approval?.required ?? 1) - n} more approver(s)`);
    }
    return 0;
  },
};

export function explainRefusal(e: Error & { cause?: Error }): never {
  throw new Error(e.cause?.message ?? e.message);
}

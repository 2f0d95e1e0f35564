import { CliCommand } from '../command';
import { CONFIG_FLAG, parseFlags, requireFlag } from '../args';
import { cliClient } from '../kinetic-client';
import { explainRefusal } from './approve';
import { AUTH_FLAGS, answererFrom, optionalConfig } from '../auth-flags';

export const command: CliCommand = {
  name: 'resolve',
  summary: 'close a compensation-failed decision after an operator fixed the fleet',
  usage: `Usage: kinetic resolve DECISION_ID [--token-file FILE] [--comment TEXT] [--json]
       kinetic resolve DECISION_ID --as IDENTITY [--comment TEXT] [--json]   (auth: { mode: unverified } only)

Sends the Temporal Update "resolve" to a decision whose compensation failed (it waits in stage
needs-operator, holding its budget reservation). Fix the fleet first. The decision reads the fleet
through its provisioner: running the plan, the reservation is committed as the service's run-rate;
anything else, it is released. Then the record is written to the audit log and the decision ends
(outcome stays compensation-failed, with a resolution). You must be one of approval.approvers;
your token (from \`kinetic login\`, or --token-file) says who you are, and refused attempts are
recorded in the decision's resolveAttempts.
--json prints { id, outcome, resolution: { by, comment?, at, fleet?, budget, message } }.`,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { ...CONFIG_FLAG, ...AUTH_FLAGS, comment: { type: 'string' }, json: { type: 'boolean' } }, 'resolve');
    const id = requireFlag(positionals[0], 'DECISION_ID', 'resolve');
    const who = answererFrom('resolve', values, optionalConfig(values.config as string | undefined));
    const kinetic = await cliClient(values.config as string | undefined);
    const rec = await kinetic.resolve(id, who, values.comment as string | undefined).catch(explainRefusal);
    if (values.json) console.log(JSON.stringify({ id: rec.id, outcome: rec.outcome, resolution: rec.resolution }));
    else console.log(`${rec.id}: ${rec.resolution?.message ?? 'resolved'}`);
    return 0;
  },
};

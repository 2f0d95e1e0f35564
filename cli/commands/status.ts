import { CliCommand } from '../command';
import { CONFIG_FLAG, intFlag, parseFlags } from '../args';
import { table } from '../explain';
import { cliClient } from '../kinetic-client';

export const command: CliCommand = {
  name: 'status',
  summary: 'list recent decisions, or show one decision’s current step',
  usage: `Usage: kinetic status [DECISION_ID] [--service NAME] [--limit N] [--json]

Without an id: the most recent decisions (from Temporal visibility: service, direction, stage,
outcome). With an id: the live decision record's step, plan and outcome.`,
  async run(argv) {
    const { values, positionals } = parseFlags(
      argv,
      { ...CONFIG_FLAG, service: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
      'status',
    );
    const kinetic = await cliClient(values.config as string | undefined);
    if (positionals[0]) {
      const rec = await kinetic.getDecision(positionals[0]);
      if (values.json) console.log(JSON.stringify(rec));
      else {
        console.log(`${rec.id}  service ${rec.service}  step ${rec.stage}  outcome ${rec.outcome ?? '(running)'}`);
        if (rec.plan) console.log(`plan ${rec.plan.from} → ${rec.plan.to} (${rec.plan.direction})`);
        if (rec.reason) console.log(`reason: ${rec.reason}`);
      }
      return 0;
    }
    const list = await kinetic.listDecisions({ service: values.service as string | undefined, limit: intFlag(values.limit as string | undefined, '--limit', 'status', 1) ?? 20 });
    if (values.json) {
      console.log(JSON.stringify(list));
      return 0;
    }
    console.log(
      table(
        ['DECISION', 'SERVICE', 'STATUS', 'STAGE', 'DIRECTION', 'OUTCOME', 'STARTED'],
        list.map((d) => [d.decisionId, d.service, d.status, d.stage ?? '-', d.direction ?? '-', d.outcome ?? '-', d.startTime.toISOString()]),
      ),
    );
    return 0;
  },
};

import { CliCommand } from '../command';
import { CONFIG_FLAG, intFlag, parseFlags } from '../args';
import { table } from '../explain';
import { cliClient } from '../kinetic-client';
import type { KineticClient } from '../../client';
import type { DecisionRecord } from '../../decision/record';

export const command: CliCommand = {
  name: 'status',
  summary: 'list recent decisions, or show one decision’s current step',
  usage: `Usage: kinetic status [DECISION_ID] [--service NAME] [--limit N] [--watch [--interval S] [--count N]] [--json|-o json]

Without an id: the most recent decisions (from Temporal visibility: service, direction, stage,
outcome). With an id: the live decision record's step, plan and outcome.
--watch without an id re-lists every --interval seconds (default 2) until Ctrl-C, or --count
times; with --json one JSON array per line. --watch with an id prints each new stage until the
decision ends, then its record (with --json: the record as one JSON line per stage, the last one
final).`,
  async run(argv) {
    const { values, positionals } = parseFlags(
      argv,
      {
        ...CONFIG_FLAG,
        service: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean' },
        watch: { type: 'boolean', short: 'w' },
        interval: { type: 'string' },
        count: { type: 'string' },
      },
      'status',
    );
    const intervalMs = (intFlag(values.interval as string | undefined, '--interval', 'status', 1) ?? 2) * 1000;
    const count = intFlag(values.count as string | undefined, '--count', 'status', 1);
    const json = Boolean(values.json);
    const kinetic = await cliClient(values.config as string | undefined);
    if (positionals[0]) {
      if (values.watch) return watchOne(kinetic, positionals[0], json);
      printRecord(await kinetic.getDecision(positionals[0]), json);
      return 0;
    }
    const limit = intFlag(values.limit as string | undefined, '--limit', 'status', 1) ?? 20;
    for (let round = 1; ; round++) {
      const list = await kinetic.listDecisions({ service: values.service as string | undefined, limit });
      // A watched table redraws in place on a terminal; piped output just appends.
      if (values.watch && !json && process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
      if (json) console.log(JSON.stringify(list));
      else
        console.log(
          table(
            ['DECISION', 'SERVICE', 'STATUS', 'STAGE', 'DIRECTION', 'OUTCOME', 'STARTED'],
            list.map((d) => [d.decisionId, d.service, d.status, d.stage ?? '-', d.direction ?? '-', d.outcome ?? '-', d.startTime.toISOString()]),
          ),
        );
      if (!values.watch || (count !== undefined && round >= count)) return 0;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  },
};

function printRecord(rec: DecisionRecord, json: boolean): void {
  if (json) return console.log(JSON.stringify(rec));
  console.log(`${rec.id}  service ${rec.service}  step ${rec.stage}  outcome ${rec.outcome ?? '(running)'}`);
  if (rec.plan) console.log(`plan ${rec.plan.from} → ${rec.plan.to} (${rec.plan.direction})`);
  if (rec.reason) console.log(`reason: ${rec.reason}`);
}

/** Follows one decision: a line (or JSON record) per new stage, then the final record. */
async function watchOne(kinetic: KineticClient, id: string, json: boolean): Promise<number> {
  let finished: DecisionRecord | undefined;
  const done = kinetic.waitForDecision(id).then((r) => (finished = r));
  done.catch(() => undefined); // a failed read below ends the command first; no unhandled rejection
  let lastStage = '';
  while (!finished) {
    const rec = await kinetic.getDecision(id);
    if (rec.stage !== lastStage && !finished) {
      lastStage = rec.stage;
      if (json) console.log(JSON.stringify(rec));
      else console.log(`  step: ${rec.stage}${rec.plan ? `  plan ${rec.plan.from} → ${rec.plan.to}` : ''}`);
    }
    await Promise.race([done, new Promise((r) => setTimeout(r, 300))]);
  }
  printRecord(await done, json);
  return 0;
}

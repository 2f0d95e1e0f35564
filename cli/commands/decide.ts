import { getService, loadConfig } from '../../config/load';
import { connectClient, KineticClient } from '../../client';
import { startCliTracing } from '../kinetic-client';
import type { DecisionRecord } from '../../decision/record';
import { CliCommand } from '../command';
import { CONFIG_FLAG, intFlag, parseFlags, requireFlag } from '../args';
import { explainDecision } from '../explain';
import { callerToken } from '../auth-flags';

export const command: CliCommand = {
  name: 'decide',
  summary: 'run one scaling decision for a service (forecast → … → commit or compensate)',
  usage: `Usage: kinetic decide --service NAME [--dry-run] [--target N] [--token-file FILE] [--no-wait] [--json] [--config FILE]

Starts the decision saga for one service and, by default, follows it to the end, printing each
step. --dry-run computes and previews everything and changes nothing. --target N plans exactly N
instances (still checked by policy, budget and approval). If the decision needs a person, the
command prints the \`kinetic approve\` line to run. Only one decision per service runs at a time:
a second one waits for the first. With auth in oidc mode the decision is started with your token
(from \`kinetic login\`, or --token-file): it records you as the requester (who then may not
approve it), and --target needs role operator (otherwise the decision ends permission-denied).
Exit code 0 when the decision completed (whatever its outcome), 1 when it failed or was
permission-denied, 2 for bad usage or config.`,
  async run(argv) {
    const { values } = parseFlags(
      argv,
      {
        ...CONFIG_FLAG,
        service: { type: 'string', short: 's' },
        'dry-run': { type: 'boolean' },
        target: { type: 'string' },
        'token-file': { type: 'string' },
        'no-wait': { type: 'boolean' },
        json: { type: 'boolean' },
      },
      'decide',
    );
    const service = requireFlag(values.service as string | undefined, '--service', 'decide');
    const cfg = loadConfig(values.config as string | undefined);
    getService(cfg, service); // unknown service: say so before anything starts
    const targetOverride = intFlag(values.target as string | undefined, '--target', 'decide', 0);
    // oidc: the token says who asks (a target needs one); without --target an absent token is fine.
    const token = cfg.auth?.mode === 'oidc' ? callerToken('decide', values['token-file'] as string | undefined, targetOverride !== undefined) : undefined;
    await startCliTracing(cfg);
    const kinetic = new KineticClient(await connectClient(undefined, { configPath: cfg.file }), cfg.taskQueue);
    const started = await kinetic.startDecision(service, {
      dryRun: Boolean(values['dry-run']),
      targetOverride,
      trigger: { kind: 'manual', by: process.env.USER ?? 'cli' },
      ...(token ? { token } : {}),
    });
    if (!values.json) console.log(`decision ${started.decisionId} started (workflow ${started.workflowId}, run ${started.runId})`);
    if (values['no-wait']) {
      if (values.json) console.log(JSON.stringify(started));
      return 0;
    }
    const record = await follow(kinetic, started.decisionId, !values.json);
    console.log(values.json ? JSON.stringify(record) : `\n${explainDecision(record)}`);
    return record.outcome === 'failed' || record.outcome === 'compensation-failed' || record.outcome === 'permission-denied' ? 1 : 0;
  },
};

/** Polls the live record, printing each new stage, until the decision closes. */
async function follow(kinetic: KineticClient, id: string, print: boolean): Promise<DecisionRecord> {
  let lastStage = '';
  let hinted = false;
  const done = kinetic.waitForDecision(id);
  let finished: DecisionRecord | undefined;
  void done.then((r) => (finished = r)).catch(() => undefined);
  while (!finished) {
    const rec = await kinetic.getDecision(id).catch(() => undefined);
    if (print && rec && rec.stage !== lastStage) {
      lastStage = rec.stage;
      console.log(`  step: ${rec.stage}`);
      if (rec.stage === 'approval' && rec.approval?.mode === 'manual' && !hinted) {
        hinted = true;
        console.log(`  needs approval: ${rec.approval.reasons.join('; ')}`);
        console.log(`  run: kinetic approve ${id}   (or: kinetic reject ${id} --reason "..."; add --as <approver> with auth: { mode: unverified })`);
      }
    }
    await Promise.race([done.catch(() => undefined), new Promise((r) => setTimeout(r, 300))]);
  }
  return done;
}

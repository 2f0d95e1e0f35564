import { getService, loadConfig } from '../../config/load';
import { connectClient, KineticClient } from '../../client';
import { startCliTracing } from '../kinetic-client';
import type { DecisionRecord } from '../../decision/record';
import { CliCommand } from '../command';
import { CONFIG_FLAG, intFlag, parseFlags, requireFlag } from '../args';
import { explainDecision } from '../explain';
import { callerToken } from '../auth-flags';
import { decideExitCode } from '../decide-exit';

export const command: CliCommand = {
  name: 'decide',
  summary: 'run one scaling decision for a service (forecast → … → commit or compensate)',
  usage: `Usage: kinetic decide --service NAME [--dry-run] [--target N] [--token-file FILE] [--no-wait] [--json|-o json] [--config FILE] [--address HOST:PORT] [--namespace NS]

Starts the decision saga for one service and, by default, follows it to the end, printing each
step. --dry-run computes and previews everything and changes nothing. --target N plans exactly N
instances (still checked by policy, budget and approval). If the decision needs a person, the
command prints the \`kinetic approve\` line to run. Only one decision per service runs at a time:
a second one waits for the first and says so, with the running decision's id and stage (on stderr
with --json). With auth in oidc mode the decision is started with your token
(from \`kinetic login\`, or --token-file): it records you as the requester (who then may not
approve it), and --target needs role operator (otherwise the decision ends permission-denied).
Exit codes (by outcome; --no-wait exits 0 once started):
  0  committed, no-change, dry-run             done as asked
  1  failed, compensation-failed, permission-denied, stale-metrics
  2  bad usage or config (nothing started)
  3  policy-rejected, budget-rejected, infeasible, approval-rejected, approval-timeout, re-proposed
                                               refused or not applied: nothing changed
  4  rolled-back, cancelled                    a change was undone, or the decision was cancelled`,
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
      onWaiting: (running) => {
        // With --json stdout stays machine-readable: progress goes to stderr.
        const say = values.json ? (m: string) => console.error(m) : (m: string) => console.log(m);
        const who = running.decisionId ? `decision ${running.decisionId}` : `workflow ${running.workflowId}`;
        say(
          running.first
            ? `waiting: ${who} of ${service} is running (stage ${running.stage ?? 'unknown'}); this decision starts when it ends (one decision per service at a time)`
            : `  still waiting for ${who}: stage ${running.stage ?? 'unknown'} after ${Math.round(running.waitedMs / 1000)}s`,
        );
      },
    });
    if (!values.json) console.log(`decision ${started.decisionId} started (workflow ${started.workflowId}, run ${started.runId})`);
    if (values['no-wait']) {
      if (values.json) console.log(JSON.stringify(started));
      return 0;
    }
    const record = await follow(kinetic, started.decisionId, !values.json);
    console.log(values.json ? JSON.stringify(record) : `\n${explainDecision(record)}`);
    return decideExitCode(record.outcome);
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

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { connectClient, KineticClient, resolveTemporalTarget } from '../../client';
import { loadConfig } from '../../config/load';
import { REPO_ROOT } from '../../config/tools';
import { DryRunProvisioner } from '../../provisioners/dry-run';
import type { DecisionRecord } from '../../workflows/decision-types';
import { createKineticWorker } from '../../worker';
import { CliCommand } from '../command';
import { intFlag, parseFlags } from '../args';
import { EmbeddedServer, startEmbeddedServer, temporalReachable } from '../embedded-server';
import { decisionRow, table } from '../explain';

const DEMO_CONFIG = join(REPO_ROOT, 'demo', 'kinetic.yaml');
const APPROVER = 'sre-oncall@example.com';

/** Requests per second for `minutes` minutes: a diurnal-looking wave around `level`. */
function traffic(level: number, minutes = 240): string {
  const rows = Array.from({ length: minutes }, (_, i) => (level * (1 + 0.05 * Math.sin((2 * Math.PI * i) / 60))).toFixed(2));
  return ['requests_per_second', ...rows].join('\n') + '\n';
}

export const command: CliCommand = {
  name: 'demo',
  summary: 'run the embedded demo: dev server + Web UI, worker, and decisions through the whole saga',
  usage: `Usage: kinetic demo [--json] [--duration SECONDS] [--port 7233]

Starts the embedded Temporal dev server (prints the Web UI address) unless TEMPORAL_ADDRESS is
set or one already runs, a worker, and drives three decisions for the "shop" service while its
traffic changes: a scale-out approved automatically, a scale-in that needs a person (the demo
approves it with the printed \`kinetic approve\` command), and an oversized scale-out that policy
rejects. Prints a summary table; with --json the summary is one JSON object on the last line.
Ctrl-C or --duration stops everything.`,
  async run(argv) {
    const { values } = parseFlags(argv, { json: { type: 'boolean' }, duration: { type: 'string' }, port: { type: 'string' } }, 'demo');
    const json = Boolean(values.json);
    const say = (m: string) => (json ? process.stderr.write(`${m}\n`) : console.log(m));
    const cfg = loadConfig(DEMO_CONFIG);
    const csv = (cfg.services.shop.metrics as { path: string }).path;
    rmSync(cfg.stateRoot, { recursive: true, force: true });
    mkdirSync(dirname(csv), { recursive: true });

    Runtime.install({ logger: new DefaultLogger('WARN') });
    let server: EmbeddedServer | undefined;
    const target = resolveTemporalTarget();
    if (target.embedded && !(await temporalReachable(target.address))) {
      server = await startEmbeddedServer({ port: intFlag(values.port as string | undefined, '--port', 'demo', 1) });
      say(`Temporal dev server: ${server.address}   Web UI: ${server.uiUrl}`);
    } else say(`Using Temporal at ${target.address}${target.embedded ? ' (already running)' : ''}; Web UI: see your cluster`);

    const connection = await NativeConnection.connect({ address: server?.address ?? target.address });
    const worker = await createKineticWorker({ connection, taskQueue: cfg.taskQueue, configPath: DEMO_CONFIG });
    const running = worker.run();
    const kinetic = new KineticClient(await connectClient(resolveTemporalTarget()), cfg.taskQueue);
    const fleet = new DryRunProvisioner({ stateRoot: cfg.stateRoot, initialInstances: 2 });
    const deadline = values.duration ? Date.now() + Number(values.duration) * 1000 : Infinity;
    let interrupted = false;
    const onSigint = () => (interrupted = true);
    process.once('SIGINT', onSigint);

    const decisions: DecisionRecord[] = [];
    const steps: Array<{ title: string; rps: number; approve?: boolean }> = [
      { title: 'traffic rises to ~160 req/s: scale out ahead of it', rps: 160 },
      { title: 'traffic falls back to ~60 req/s: scale in (needs a person)', rps: 60, approve: true },
      { title: 'a spike to ~600 req/s: too big a step for policy', rps: 600 },
    ];
    try {
      for (const step of steps) {
        if (interrupted || Date.now() > deadline) break;
        writeFileSync(csv, traffic(step.rps));
        say(`\n== ${step.title}; fleet has ${(await fleet.current('shop')).total} instances`);
        const started = await kinetic.startDecision('shop', { trigger: { kind: 'demo', by: 'kinetic demo' } });
        say(`decision ${started.decisionId} started — watch it in the Web UI (workflow ${started.workflowId})`);
        if (step.approve) {
          const rec = await waitForStage(kinetic, started.decisionId, 'approval');
          if (rec?.approval?.mode === 'manual') {
            say(`needs approval: ${rec.approval.reasons.join('; ')}`);
            say(`$ kinetic approve ${started.decisionId} --as ${APPROVER}`);
            await kinetic.approve(started.decisionId, APPROVER, 'approved by the demo');
          }
        }
        const rec = await kinetic.waitForDecision(started.decisionId);
        decisions.push(rec);
        say(`→ ${rec.outcome}: ${rec.reason}; fleet now ${(await fleet.current('shop')).total} instances`);
      }
    } finally {
      process.removeListener('SIGINT', onSigint);
      worker.shutdown();
      await running;
      await connection.close();
      await server?.stop();
    }
    say('\nSummary');
    say(table(['DECISION', 'SERVICE', 'DIRECTION', 'OUTCOME', 'FROM', 'TO', 'APPROVED BY'], decisions.map(decisionRow)));
    say(`Explain any of them: kinetic explain <DECISION> --config demo/kinetic.yaml`);
    if (json) {
      const summary = {
        decisions: decisions.map((d) => ({
          id: d.id, service: d.service, direction: d.plan?.direction ?? 'none', outcome: d.outcome,
          from: d.plan?.from ?? null, to: d.plan?.to ?? null, approvedBy: d.approval?.decidedBy ?? null,
        })),
        // The dry-run fleet serves no traffic and starts no processes.
        p95LatencyMs: null,
        leftoverProcesses: 0,
      };
      console.log(JSON.stringify(summary));
    }
    return 0;
  },
};

async function waitForStage(kinetic: KineticClient, id: string, stage: string): Promise<DecisionRecord | undefined> {
  for (let i = 0; i < 600; i++) {
    const rec = await kinetic.getDecision(id).catch(() => undefined);
    if (rec?.stage === stage || rec?.outcome) return rec;
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

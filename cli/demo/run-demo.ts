import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { redactingLogger } from '../../security/redacting-logger';
import { connectClient, KineticClient, resolveTemporalTarget } from '../../client';
import { loadConfig } from '../../config/load';
import { REPO_ROOT } from '../../config/tools';
import { createPulumiLocalProvisioner, processesOfPoolDir } from '../../provisioners/pulumi-local';
import { driveLoad, DriveReport } from '../../sim/load-driver';
import type { DecisionRecord } from '../../decision/record';
import { decisionWorkflowId } from '../../workflows/definitions';
import { createKineticWorker } from '../../worker';
import { DEFAULT_DASHBOARD, startDashboard } from '../../observability/dashboard/start';
import { EmbeddedServer, startEmbeddedServer, temporalReachable } from '../embedded-server';
import { decisionRow, table } from '../explain';
import { startPoolScraper } from '../../metrics/pool-scraper';
import { demoLoadRps } from './trace';

export const DEMO_CONFIG = join(REPO_ROOT, 'demo', 'kinetic.yaml');
const SERVICE = 'shop';
const APPROVER = 'sre-oncall@example.com';

export interface DemoOptions {
  json: boolean;
  durationSeconds?: number;
  port?: number;
}

export interface DemoSummary {
  decisions: Array<{ id: string; service: string; direction: string; outcome?: string; from: number | null; to: number | null; approvedBy: string | null }>;
  p95LatencyMs: number | null;
  leftoverProcesses: number;
  /** The live dashboard the demo served while it ran (closed at the end). */
  dashboardUrl: string | null;
}

/**
 * The embedded demo: dev server + UI, a worker, a real 2-member pool behind a balancer, a load
 * generator replaying a real trace, and decisions every few seconds until the trace ends.
 */
export async function runDemo(opts: DemoOptions): Promise<DemoSummary> {
  const say = (m: string) => (opts.json ? process.stderr.write(`${m}\n`) : console.log(m));
  // Temporal Core's own logs are forwarded to this logger (stderr): printed natively they would go to
  // stdout and break `kinetic demo --json` (a slow workflow task on a loaded machine warns).
  Runtime.install({ logger: redactingLogger(new DefaultLogger('WARN')), telemetryOptions: { logging: { filter: { core: 'WARN', other: 'WARN' }, forward: {} } } });
  const cfg = loadConfig(DEMO_CONFIG);
  const svc = cfg.services[SERVICE];
  const csv = (svc.metrics as { path: string }).path;
  claimDemoLock(dirname(csv));
  rmSync(cfg.stateRoot, { recursive: true, force: true });
  mkdirSync(dirname(csv), { recursive: true });
  const basePort = (svc.provisioner as { basePort: number }).basePort;
  const lbUrl = `http://127.0.0.1:${basePort - 1}`;

  let stopping = false;
  const onSignal = () => {
    if (!stopping) say('\nstopping: finishing the running decision, then removing the pool …');
    stopping = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const deadline = Date.now() + (opts.durationSeconds ?? 150) * 1000;

  let server: EmbeddedServer | undefined;
  const target = resolveTemporalTarget();
  if (target.embedded && !(await temporalReachable(target.address))) {
    server = await startEmbeddedServer({ port: opts.port });
    say(`Temporal dev server ${server.address} — Web UI: ${server.uiUrl}`);
  } else say(`Using Temporal at ${target.address}${target.embedded ? ' (already running)' : ''}`);
  if (cfg.auth?.mode === 'unverified') say('approvals: auth: { mode: unverified } — typed identities, no tokens, no roles (the demo only; see README "Security")');

  const pool = createPulumiLocalProvisioner({
    rootDir: join(cfg.stateRoot, 'pulumi'),
    services: { [SERVICE]: { basePort, env: (svc.provisioner as { env?: Record<string, string> }).env } },
  });
  const poolDir = join(pool.paths.poolsRoot, SERVICE);
  const count = () => processesOfPoolDir(poolDir).length;
  const connection = await NativeConnection.connect({ address: server?.address ?? target.address });
  const worker = await createKineticWorker({
    connection, taskQueue: cfg.taskQueue, configPath: DEMO_CONFIG,
    provisioner: (service) => (service === SERVICE ? pool : undefined),
  });
  const running = worker.run();
  const kinetic = new KineticClient(await connectClient(resolveTemporalTarget(), { configPath: DEMO_CONFIG }), cfg.taskQueue);
  await endLeftoverDecision(kinetic, say);
  const webUi = server?.uiUrl ?? DEFAULT_DASHBOARD.webUiUrl;
  const dashboard = await startDashboard({ cfg, client: kinetic.client, taskQueue: cfg.taskQueue, port: 0, webUiUrl: webUi }).catch((e: Error) => {
    say(`live dashboard not started: ${e.message}`);
    return undefined;
  });
  if (dashboard) say(`Live dashboard: ${dashboard.url} (next to the Web UI: ${webUi})`);
  const decisions: DecisionRecord[] = [];
  let load: DriveReport | undefined;
  try {
    say(`starting a 2-member pool of the sample service through Pulumi (balancer ${lbUrl}) …`);
    await pool.apply({ decisionId: 'demo-bootstrap', service: SERVICE, tiers: { default: 2 }, total: 2 });
    say(`pool up: ${count()} processes (2 members + the balancer)`);

    const scraper = startPoolScraper({ lbUrl, csvPath: csv, column: 'rps', intervalMs: 2000 });
    const rps = demoLoadRps(70, 8);
    const stepWallSeconds = 2.2;
    say(`replaying one day of NYC taxi demand (NAB) in ${Math.round(rps.length * stepWallSeconds)} s: ${rps[0].toFixed(0)} → ${Math.max(...rps).toFixed(0)} → ${rps[rps.length - 1].toFixed(0)} req/s`);
    const loadDone = driveLoad({
      url: `${lbUrl}/`, series: rps.map((r) => r * stepWallSeconds), stepSeconds: 1800, compression: 1800 / stepWallSeconds,
      maxRps: 120, maxDurationSeconds: Math.min(rps.length * stepWallSeconds, (deadline - Date.now()) / 1000),
    }).then((r) => (load = r));
    await sleep(8000);
    while (!stopping && !load && Date.now() < deadline) {
      const t0 = Date.now();
      decisions.push(await decideOnce(kinetic, say, count, scraper.lastRate));
      await sleep(Math.max(3000, 12_000 - (Date.now() - t0)));
    }
    if (!stopping) await loadDone;
    // Traffic is back to its night level: one last decision brings the pool down.
    if (!stopping && Date.now() < deadline + 30_000) {
      await sleep(6000);
      decisions.push(await decideOnce(kinetic, say, count, scraper.lastRate));
    }
    scraper.stop();
  } finally {
    say('removing the pool (pulumi destroy) …');
    await pool.destroy(SERVICE).catch((e) => say(`destroy failed: ${(e as Error).message}`));
    await reapLeftovers(poolDir, say);
    await dashboard?.close();
    worker.shutdown();
    await running;
    await connection.close();
    await server?.stop();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  const leftover = count();
  say('\nSummary');
  say(table(['DECISION', 'SERVICE', 'DIRECTION', 'OUTCOME', 'FROM', 'TO', 'APPROVED BY'], decisions.map(decisionRow)));
  say(`load: ${load ? `${load.sent} requests, ${load.failed} failed, p95 ${load.latencyMs.p95.toFixed(1)} ms` : 'not run'}; leftover processes: ${leftover}`);
  say(`explain any decision: npx kinetic explain <DECISION> --config demo/kinetic.yaml`);
  return {
    decisions: decisions.map((d) => ({
      id: d.id, service: d.service, direction: d.plan?.direction ?? 'none', outcome: d.outcome,
      from: d.plan?.from ?? null, to: d.plan?.to ?? null, approvedBy: d.approval?.decidedBy ?? null,
    })),
    p95LatencyMs: load ? Number(load.latencyMs.p95.toFixed(1)) : null,
    leftoverProcesses: leftover,
    dashboardUrl: dashboard?.url ?? null,
  };
}

async function decideOnce(kinetic: KineticClient, say: (m: string) => void, count: () => number, rate: number): Promise<DecisionRecord> {
  say(`\n[${new Date().toISOString().slice(11, 19)}] load ${rate.toFixed(1)} req/s, ${count()} processes`);
  const started = await kinetic.startDecision(SERVICE, { trigger: { kind: 'demo', by: 'kinetic demo' } });
  say(`  decision ${started.decisionId} (watch workflow ${started.workflowId} in the Web UI)`);
  for (let i = 0; i < 600; i++) {
    const rec = await kinetic.getDecision(started.decisionId).catch(() => undefined);
    if (rec?.outcome) break;
    if (rec?.stage === 'approval' && rec.approval?.mode === 'manual' && !rec.approval.decision) {
      say(`  needs approval: ${rec.approval.reasons.join('; ')}`);
      say(`  $ npx kinetic approve ${started.decisionId} --as ${APPROVER}   (demo only: auth: { mode: unverified } trusts the typed identity)`);
      await kinetic.approve(started.decisionId, APPROVER, 'approved by the demo');
    }
    await sleep(200);
  }
  const rec = await kinetic.waitForDecision(started.decisionId);
  const plan = rec.plan ? `${rec.plan.from} → ${rec.plan.to}` : '-';
  say(`  ${rec.outcome} (${plan}): ${rec.reason}; now ${count()} processes`);
  return rec;
}

/**
 * A demo stopped with kill -9 leaves its decision running in the persistent dev server; the new
 * demo's fresh pool state would confuse it, so end it first (compensation still runs).
 */
async function endLeftoverDecision(kinetic: KineticClient, say: (m: string) => void): Promise<void> {
  const handle = kinetic.client.workflow.getHandle(decisionWorkflowId(SERVICE));
  const desc = await handle.describe().catch(() => undefined);
  if (desc?.status.name !== 'RUNNING') return;
  say(`terminating a decision left running by an earlier demo (${desc.runId})`);
  await handle.terminate('a new demo started with fresh state');
}

/** One demo at a time: a second one would wipe the first one's pool state under it. */
function claimDemoLock(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'demo.pid');
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8'));
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = pid !== process.pid;
    } catch {
      /* dead: a crashed demo; take over */
    }
    if (alive) throw new Error(`another demo is running (pid ${pid}); stop it first (Ctrl-C in its terminal, or kill -INT ${pid})`);
  }
  writeFileSync(file, String(process.pid));
}

/** Last resort after a failed destroy: the demo must not leave processes behind. */
async function reapLeftovers(poolDir: string, say: (m: string) => void): Promise<void> {
  const pids = processesOfPoolDir(poolDir);
  if (pids.length === 0) return;
  say(`stopping ${pids.length} leftover pool process(es) directly`);
  for (const pid of pids) process.kill(pid, 'SIGTERM');
  await sleep(3000);
  for (const pid of processesOfPoolDir(poolDir)) process.kill(pid, 'SIGKILL');
  await sleep(200);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

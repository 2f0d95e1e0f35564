/**
 * npm run bench:dashboard — first paint of the live dashboard with 7 days of 5-minute history for
 * 20 services (issue 15's target: < 1 s on this machine).
 *
 *   npm run bench:dashboard                         # = tsx bench/dashboard.ts; writes bench/results/dashboard.md
 *   npx tsx bench/dashboard.ts --services 20 --days 7 --loads 7 [--no-temporal] [--no-write]
 *
 * Generates the stores the dashboard reads, in a temp state dir: one metrics CSV per service
 * (2,016 five-minute points: a daily cycle with noise), an audit log with a decision every hour
 * (168 per service, hash-chained as FileAuditLog writes it) and the hourly predictions those
 * decisions acted on (12 steps each). Starts a real Temporal dev server (pending approvals and the
 * budget books are read from it, as in production) and `kinetic dashboard` over 7 days, then loads
 * the page `--loads` times in a fresh headless Chromium each. First paint is read from the page: the
 * time from navigation start to every panel drawn and laid out (the `data-drawn-ms` marker the page
 * sets after its last SVG and a forced layout; only rasterising that frame follows). Chromium's own
 * start-up is not in it.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { startEmbeddedServer, type EmbeddedServer } from '../cli/embedded-server';
import { connectClient } from '../client';
import { loadConfig } from '../config/load';
import type { DecisionRecord } from '../decision/record';
import { DEFAULT_DASHBOARD, startDashboard } from '../observability/dashboard/start';
import { chainHash, GENESIS } from '../store/audit/chain';
import type { PredictionRecord } from '../store/prediction-store';
import { commandLine, infoLines, LoadSampler, describeLoad, runInfo } from './helpers/run-info';
import { freeLoopbackPort as freePort } from '../net/free-port';

const run = promisify(execFile);
const STEP_S = 300;
const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const has = (name: string) => process.argv.includes(`--${name}`);
const whole = (name: string, dflt: number) => {
  const v = Number(arg(name) ?? dflt);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name}: expected a whole number >= 1, got ${arg(name)}`);
  return v;
};

/** Deterministic noise (mulberry32), so every run draws the same data. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}


/** The stores for `services` services over `days` days, ending now. */
function generate(dir: string, services: number, days: number, now: number): { configPath: string; records: number; points: number } {
  const points = (days * 86_400) / STEP_S;
  const stateRoot = join(dir, 'state');
  mkdirSync(join(stateRoot, 'ledger'), { recursive: true });
  mkdirSync(join(stateRoot, 'predictions'), { recursive: true });
  const cfgServices: Record<string, unknown> = {};
  const ledger: string[] = [];
  let seq = 0;
  let prev = GENESIS;
  const outcomes: DecisionRecord['outcome'][] = ['committed', 'no-change', 'no-change', 'committed', 'dry-run', 'approval-rejected', 'no-change', 'rolled-back'];
  for (let s = 0; s < services; s++) {
    const name = `benchdash${String(s).padStart(2, '0')}`;
    const random = rng(1000 + s);
    const base = 80 + 20 * s;
    const demand = Array.from({ length: points }, (_, i) => Math.max(0, base * (1 + 0.6 * Math.sin((2 * Math.PI * i * STEP_S) / 86_400)) * (0.9 + 0.2 * random())));
    writeFileSync(join(dir, `${name}.csv`), ['value', ...demand.map((v) => v.toFixed(2))].join('\n') + '\n');
    cfgServices[name] = {
      metrics: { source: 'csv', path: join(dir, `${name}.csv`), stepSeconds: STEP_S, historyPoints: points },
      capacityPerInstance: 10,
      targetUtilization: 0.8,
      minInstances: 1,
      maxInstances: 200,
      budget: { monthly: 100_000 },
      pricing: { hourlyPerInstance: 0.1 },
      provisioner: { type: 'dry-run', initialInstances: 2 },
    };
    // The CSV's last row is "now": step i lies at now − (points − i) steps.
    const at = (i: number) => now - (points - i) * STEP_S * 1000;
    const predictions: string[] = [];
    let fleet = Math.ceil(demand[0] / 8);
    for (let i = 12, k = 0; i < points; i += 12, k++) {
      const needed = Math.ceil(Math.max(...demand.slice(i, i + 12)) / 8);
      const outcome = outcomes[(k + s) % outcomes.length];
      const to = outcome === 'no-change' ? fleet : needed;
      const id = `${name}-${new Date(at(i)).toISOString().replace(/\D/g, '').slice(0, 14)}-${(k % 65536).toString(16).padStart(4, '0')}`;
      const record = {
        id, service: name, workflowId: `scale-${name}`, runId: `run-${k}`, trigger: 'schedule', dryRun: outcome === 'dry-run', stage: 'done', outcome,
        reason: `${outcome} (synthetic)`,
        plan: { from: fleet, to, direction: to > fleet ? 'out' : to < fleet ? 'in' : 'none', needed, tiers: {}, hourlyCostBefore: fleet * 0.1, hourlyCostAfter: to * 0.1, reason: 'synthetic' },
        ...(outcome === 'committed' ? { verification: { ok: true, expected: to, healthy: to, reasons: [] } } : {}),
        compensation: [], timings: {}, startedAt: new Date(at(i)).toISOString(), finishedAt: new Date(at(i) + 20_000).toISOString(),
      } as unknown as DecisionRecord;
      seq += 1;
      const hash = chainHash(prev, seq, record);
      ledger.push(JSON.stringify({ seq, prevHash: prev, hash, record }));
      prev = hash;
      if (outcome === 'committed') fleet = to;
      const ensemble = demand.slice(i, i + 12).map((v) => v * (0.95 + 0.1 * random()));
      const p: PredictionRecord = {
        id, decisionId: id, service: name, madeAt: at(i), stepSeconds: STEP_S,
        targets: ensemble.map((_, j) => at(i + j)), perModel: { ets: ensemble }, ensemble, weights: { ets: 1 }, weightsVersion: 0,
        peakP90: Math.max(...ensemble) * 1.15,
      };
      predictions.push(JSON.stringify(p));
    }
    writeFileSync(join(stateRoot, 'predictions', `${name}.jsonl`), predictions.join('\n') + '\n');
  }
  writeFileSync(join(stateRoot, 'ledger', 'decisions.jsonl'), ledger.join('\n') + '\n');
  const configPath = join(dir, 'kinetic.yaml');
  writeFileSync(configPath, stringify({ version: 1, stateDir: 'state', schedules: { applyOnWorkerStart: false }, services: cfgServices }));
  return { configPath, records: seq, points };
}

/** One page load in a fresh headless Chromium: the DOM at the load event. */
async function loadPage(url: string, chromium: string): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'kinetic-bench-chromium-'));
  try {
    const { stdout } = await run(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', `--user-data-dir=${profile}`, '--window-size=1400,1600', '--dump-dom', url], { timeout: 120_000, maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const services = whole('services', 20);
  const days = whole('days', 7);
  const loads = whole('loads', 7);
  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p)) ?? process.env.CHROMIUM;
  if (!chromium) throw new Error('headless Chromium is required: apt-get install -y chromium (or set CHROMIUM=/path/to/chromium)');
  const info = runInfo(commandLine(__filename));
  const dir = mkdtempSync(join(tmpdir(), 'kinetic-bench-dashboard-'));
  const data = generate(dir, services, days, Date.now());
  console.error(`generated ${services} services × ${data.points} points, ${data.records} decisions and predictions in ${dir}`);

  let server: EmbeddedServer | undefined;
  if (!has('no-temporal')) {
    const port = await freePort();
    server = await startEmbeddedServer({ port, uiPort: await freePort(), dbFile: join(dir, 'temporal.sqlite'), logFile: join(dir, 'temporal.log'), addressFile: join(dir, 'temporal.address') });
    process.env.TEMPORAL_ADDRESS = server.address;
  }
  const cfg = loadConfig(data.configPath);
  const client = server ? await connectClient(undefined, { configPath: cfg.file }) : undefined;
  const dashboard = await startDashboard({ cfg, client, port: 0, historyHours: days * 24, webUiUrl: server?.uiUrl });
  const sampler = new LoadSampler().start();
  const drawn: number[] = [];
  const serverMs: number[] = [];
  let htmlBytes = 0;
  let check = '';
  try {
    await loadPage(dashboard.url, chromium); // warm-up: first read of the files, JIT
    for (let i = 0; i < loads; i++) {
      const t0 = performance.now();
      const html = await (await fetch(dashboard.url)).text();
      serverMs.push(performance.now() - t0);
      htmlBytes = html.length;
      const dom = await loadPage(dashboard.url, chromium);
      const ms = Number(/data-drawn-ms="([\d.]+)"/.exec(dom)?.[1]);
      const panels = dom.match(/<section class="service"/g)?.length ?? 0;
      const markers = dom.match(/data-marker="/g)?.length ?? 0;
      if (!Number.isFinite(ms) || panels !== services) throw new Error(`load ${i + 1}: the page did not draw (${panels} of ${services} panels, drawn-ms ${ms})`);
      check = `${panels} panels, ${markers} decision markers, ${dom.match(/data-band="p10-p90"/g)?.length ?? 0} forecast bands`;
      drawn.push(ms);
      console.error(`load ${i + 1}/${loads}: drawn ${ms.toFixed(0)} ms after navigation start (server ${serverMs[i].toFixed(0)} ms)`);
    }
  } finally {
    await dashboard.close();
    await client?.connection.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const load = sampler.stop();
  const lines = [
    `## Live dashboard first paint (issue 15)`,
    '',
    ...infoLines(info),
    `- Data: ${services} services × ${days} days of ${STEP_S / 60}-minute history (${data.points} points each), ${data.records} decisions in the audit log, as many stored predictions; ${server ? 'a real Temporal dev server for visibility and budget books' : 'no Temporal (--no-temporal)'}; charts over ${days * 24} h, downsampled server-side to ≤ ${DEFAULT_DASHBOARD.maxPoints} points per series`,
    `- Load: ${describeLoad(load)}`,
    '',
    `| | median | max | of |`,
    `|---|---|---|---|`,
    `| navigation start → all panels drawn and laid out (ms) | ${median(drawn).toFixed(0)} | ${Math.max(...drawn).toFixed(0)} | ${loads} loads |`,
    `| server: GET / with the data inlined (ms) | ${median(serverMs).toFixed(0)} | ${Math.max(...serverMs).toFixed(0)} | ${loads} |`,
    '',
    `Page: ${(htmlBytes / 1024).toFixed(0)} KiB; drawn: ${check}. Target < 1000 ms: ${Math.max(...drawn) < 1000 ? 'met' : 'NOT met'} (max).`,
  ];
  const report = lines.join('\n') + '\n';
  process.stdout.write(report);
  if (!has('no-write')) {
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(join(__dirname, 'results', 'dashboard.md'), report);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

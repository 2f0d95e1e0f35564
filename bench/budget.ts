/**
 * npm run bench:budget — reservations per second and their latency through one budget authority
 * on a real Temporal dev server, with the authority run by a Kinetic worker in its own OS process.
 *
 *   npm run bench:budget                       # = tsx bench/budget.ts; writes bench/results/budget.md
 *   npx tsx bench/budget.ts --total 2000 --lanes 8,10 --sequential 200 [--out FILE] [--no-write] [--json]
 *   npx tsx bench/budget.ts --lanes 24 --total 500 --out bench/results/budget-over-limit.md   # beyond the server's in-flight limit
 *   (BENCH_TOTAL, BENCH_LANES, BENCH_SEQUENTIAL set the same.)
 *
 * Each reservation is what a decision's budget step sends: an Update `reserve` (with a start only the first time) carrying
 * the config's budget tree (company → 2 departments → 4 projects → 8 services), followed by the
 * `commit` of the same decision id, as the saga does later. `lanes` callers run at once, each for
 * its own service (one decision per service at a time, as Temporal guarantees for decisions).
 * Latency is client-side, from the call to the answer. Targets (issue 12): ≥ 50 reservations/s
 * with p99 < 250 ms. The 1/5/15-minute load averages (`uptime`), Node version, date and command go
 * next to every number.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { stringify } from 'yaml';
import { BudgetAuthorityClient } from '../client/budget-authority';
import { REPO_ROOT, toolPath } from '../config/tools';
import type { ReserveRequest } from '../decision/budget-book';
import { buildBudgetTree } from '../planning/budget-hierarchy';
import { WORKFLOW_PRELOAD_MODULES } from '../plugins/workflow-bundle';
import { commandLine, describeLoad, infoLines, LoadSampler, LoadSummary, runInfo } from './helpers/run-info';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
function num(name: string, env: string, dflt: number): number {
  const v = Number(flag(name) ?? process.env[env] ?? dflt);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} / ${env}: expected a whole number >= 1, got ${flag(name) ?? process.env[env]}`);
  return v;
}

const TOTAL = num('total', 'BENCH_TOTAL', 2000);
const SEQUENTIAL = num('sequential', 'BENCH_SEQUENTIAL', 200);
const LANES = (flag('lanes') ?? process.env.BENCH_LANES ?? '8,10').split(',').map((s) => {
  const n = Number(s.trim());
  if (!Number.isInteger(n) || n < 1) throw new Error(`--lanes: expected a list like 8,32, got "${s}"`);
  return n;
});
const OUT = flag('out') ?? join(__dirname, 'results', 'budget.md');
const WRITE = !process.argv.includes('--no-write');
const JSON_OUT = process.argv.includes('--json');
const TASK_QUEUE = `bench-budget-${Date.now().toString(36)}`;
const COMPANY = 'bench-co';
const ROOT = `company:${COMPANY}`;

const log = (m: string) => process.stderr.write(`[bench:budget] ${m}\n`);

/** The tree every request carries: 8 services under 4 projects under 2 departments. */
const SERVICES = Array.from({ length: 8 }, (_, i) => `svc-${i}`);
const TREE = buildBudgetTree({
  company: { name: COMPANY, monthly: 1e9 },
  departments: { eng: { monthly: 5e8 }, data: { monthly: 5e8 } },
  projects: { a: { monthly: 2e8, department: 'eng' }, b: { monthly: 2e8, department: 'eng' }, c: { monthly: 2e8, department: 'data' }, d: { monthly: 2e8, department: 'data' } },
  services: Object.fromEntries(SERVICES.map((s, i) => [s, { monthly: 1e8, project: 'abcd'[i % 4] }])),
});

interface Phase {
  label: string;
  lanes: number;
  reservations: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  /** commit latency (the second update of each decision). */
  commitP99: number;
  errors: number;
  load: LoadSummary;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

let seq = 0;
function request(service: string, lane: number): ReserveRequest {
  const decisionId = `${service}-bench-${lane}-${++seq}`;
  return {
    decisionId,
    service,
    pool: service,
    poolLimit: 1e8,
    hourlyCostBefore: 1,
    hourlyCostAfter: 1 + (seq % 7) * 0.1,
    onExceed: 'reject',
    tags: { team: 'bench' },
    dryRun: false,
    approval: { auto: true, reasons: [] },
    tree: TREE,
    alerts: { thresholds: [0.8, 0.9, 0.95] },
    holder: { workflowId: `scale-${service}`, runId: `bench-${decisionId}` },
  };
}

/** `lanes` callers share `total` reservations; each reserves then commits, as a decision does. */
async function phase(authority: BudgetAuthorityClient, label: string, lanes: number, total: number): Promise<Phase> {
  const reserveMs: number[] = [];
  const commitMs: number[] = [];
  let next = 0;
  let errors = 0;
  const sampler = new LoadSampler().start();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      const service = lanes <= SERVICES.length ? SERVICES[lane] : `${SERVICES[lane % SERVICES.length]}-${lane}`;
      while (next < total) {
        next++;
        const req = request(service, lane);
        try {
          const a = performance.now();
          const r = await authority.reserve(ROOT, req);
          reserveMs.push(performance.now() - a);
          if (!r.budget.reserved) throw new Error(`not reserved: ${r.budget.message}`);
          const b = performance.now();
          await authority.commit(ROOT, req.decisionId);
          commitMs.push(performance.now() - b);
        } catch (e) {
          errors++;
          if (errors <= 3) log(`error: ${(e as Error).message}`);
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const load = sampler.stop();
  const sorted = [...reserveMs].sort((x, y) => x - y);
  const commits = [...commitMs].sort((x, y) => x - y);
  const p: Phase = {
    label,
    lanes,
    reservations: reserveMs.length,
    seconds: round(seconds, 2),
    perSecond: round(reserveMs.length / seconds, 1),
    p50: round(quantile(sorted, 0.5), 1),
    p99: round(quantile(sorted, 0.99), 1),
    max: round(sorted[sorted.length - 1], 1),
    commitP99: round(quantile(commits, 0.99), 1),
    errors,
    load,
  };
  log(`${label}: ${p.reservations} reservations in ${p.seconds}s = ${p.perSecond}/s, p50 ${p.p50} ms, p99 ${p.p99} ms, max ${p.max} ms; errors ${errors}`);
  return p;
}

function round(x: number, d: number): number {
  return Math.round(x * 10 ** d) / 10 ** d;
}

async function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench', 'helpers', 'saga-worker.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes('worker-ready')) resolve();
    });
    child.once('exit', (code, signal) => reject(new Error(`worker exited before it was ready (${code ?? signal})`)));
  });
  return child;
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

async function runs(client: Client, workflowId: string): Promise<number> {
  let n = 0;
  for await (const _ of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) n++;
  return n;
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const info = runInfo(commandLine(__filename));
  const dir = mkdtempSync(join(tmpdir(), 'kinetic-bench-budget-'));
  const config = join(dir, 'kinetic.yaml');
  const csv = join(dir, 'demand.csv');
  writeFileSync(csv, 'value\n' + Array(30).fill(10).join('\n') + '\n');
  const service = { metrics: { source: 'csv', path: csv }, capacityPerInstance: 10, minInstances: 1, maxInstances: 20, budget: { monthly: 1e8 }, pricing: { hourlyPerInstance: 0.1 } };
  writeFileSync(config, stringify({ version: 1, stateDir: 'state', budgets: { company: { name: COMPANY, monthly: 1e9 } }, services: Object.fromEntries(SERVICES.map((s) => [s, service])) }));

  const env = await TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path: toolPath('temporal') }, log: { format: 'pretty', level: 'error' } } });
  let worker: ChildProcess | undefined;
  const phases: Phase[] = [];
  let authorityRuns = 0;
  try {
    const bundle = await bundleWorkflowCode({ workflowsPath: join(REPO_ROOT, 'workflows', 'index.ts'), preloadModules: [...WORKFLOW_PRELOAD_MODULES], logger: { log() {}, trace() {}, debug() {}, info() {}, warn: log, error: log } });
    const bundlePath = join(dir, 'bundle.js');
    writeFileSync(bundlePath, bundle.code);
    worker = await startWorker({ TEMPORAL_ADDRESS: env.address, TASK_QUEUE, KINETIC_CONFIG: config, WORKFLOW_BUNDLE: bundlePath });
    const authority = new BudgetAuthorityClient(env.client, TASK_QUEUE);
    // Warm-up: starts (and seeds) the authority and warms both processes.
    await phase(authority, 'warm-up', 4, 100);
    phases.push(await phase(authority, 'sequential', 1, SEQUENTIAL));
    for (const lanes of LANES) phases.push(await phase(authority, `${lanes} lanes`, lanes, TOTAL));
    authorityRuns = await runs(env.client, authority.workflowId(ROOT));
    const book = await authority.book(ROOT);
    if (book.reservations.length > 0) throw new Error(`${book.reservations.length} reservations left open`);
  } finally {
    if (worker) await stopWorker(worker);
    await env.teardown();
  }

  const best = phases.filter((p) => p.lanes > 1).sort((a, b) => b.perSecond - a.perSecond)[0];
  const report = { info, taskQueue: TASK_QUEUE, phases, authorityRuns, target: { perSecond: 50, p99Ms: 250 } };
  if (WRITE) writeFileSync(OUT, markdown(report, best));
  if (JSON_OUT) console.log(JSON.stringify(report));
  else console.log(JSON.stringify(report, null, 2));
}

function markdown(r: { info: ReturnType<typeof runInfo>; phases: Phase[]; authorityRuns: number }, best: Phase | undefined): string {
  const lines = [
    '# Budget authority: reservations through one authority',
    '',
    ...infoLines(r.info),
    '- Setup: one Temporal dev server (`temporal server start-dev`, SQLite in memory), one Kinetic worker process (`bench/helpers/saga-worker.ts`: the decision worker and the budget worker), the benchmark client in a third process; all on this machine.',
    '- Each reservation: an Update `reserve` (with a start only the first time) with the config\'s budget tree (15 nodes), checked at every level, then the `commit` of the same decision id; one lane = one service. Latency is client-side.',
    `- The authority continued as new ${r.authorityRuns - 1} time(s) during the run (after 1,000 updates or 4,000 history events, carrying its book).`,
    '- Temporal admits at most 10 updates in flight per workflow (`history.maxInFlightUpdates`, the server default): with more lanes than that, callers are refused with RESOURCE_EXHAUSTED (or see updates aborted, UNAVAILABLE) and the client retries them with jittered backoff until the step\'s deadline.',
    '',
    '| phase | lanes | reservations | seconds | reservations/s | p50 ms | p99 ms | max ms | commit p99 ms | errors | load (1-min during the run; `uptime` before → after) |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...r.phases.map((p) => `| ${p.label} | ${p.lanes} | ${p.reservations} | ${p.seconds} | ${p.perSecond} | ${p.p50} | ${p.p99} | ${p.max} | ${p.commitP99} | ${p.errors} | ${describeLoad(p.load)} |`),
    '',
    best
      ? `Target (issue 12): ≥ 50 reservations/s with p99 < 250 ms. Best concurrent phase: ${best.perSecond}/s at p99 ${best.p99} ms (${best.lanes} lanes) — ${best.perSecond >= 50 && best.p99 < 250 ? 'met' : 'not met'}.`
      : '',
    '',
  ];
  return lines.join('\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

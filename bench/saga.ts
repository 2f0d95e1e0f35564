/**
 * npm run bench:saga — decision sagas with the dry-run provisioner through a real Temporal dev
 * server, on production-sized history, with workers in their own OS processes.
 *
 *   npm run bench:saga                                     # = tsx bench/saga.ts; writes bench/results/saga.md
 *   npx tsx bench/saga.ts --workers 1,2,4 --sequential 50 --total 200 --in-flight 50 [--services N] [--rounds R]
 *        [--worker-kind factory|cli] [--metrics off|on|ab] [--tracing] [--cpu-prof DIR] [--label TEXT] [--out FILE] [--no-write] [--json]
 *   (BENCH_SEQUENTIAL, BENCH_TOTAL, BENCH_IN_FLIGHT, BENCH_SERVICES, BENCH_WORKERS, BENCH_ROUNDS, BENCH_LABEL set the same.)
 *   stdout ends with the report as JSON (one line with --json); the dev server prints its banner before it.
 *
 * What is measured, with W = 1, 2, 4 worker processes (each a fresh task queue and state dir):
 *  - every service reads production history: 2,016 points at 5 minutes (one week, seasons [288, 2016]),
 *    its own CSV cut from the bundled demo/checkout-requests.csv (its own phase and scale), and the
 *    saga forecasts from it with the service's default forecast models;
 *  - every measured decision should change capacity: per service, decisions alternate between the
 *    planner's own forecast-based target and an explicit target (`targetOverride`, as
 *    `kinetic decide --target`) a few instances away from it; the outcome of *every* measured decision
 *    is counted and reported, and decisions/s counts only the ones that committed a changed fleet;
 *  - sequential start-to-close latency (client side, p50/p99) with the first worker count;
 *  - decisions/s with TOTAL decisions, IN_FLIGHT at a time (one service per lane);
 *  - where the time goes, per saga step: from the workflow histories (local-activity markers carry
 *    their real completion times; regular activities their schedule/start/complete events) and from
 *    the decision record's `timings` (the workflow clock).
 * Workers: `bench/helpers/saga-worker.ts` (the repo's worker factory, one pre-built bundle) or, with
 * `--worker-kind cli`, real `kinetic worker` processes (each bundles the workflows at start).
 * `--metrics on`: every worker serves /metrics (as `kinetic worker --metrics-port`) and the benchmark
 * scrapes each one every second; `--metrics ab`: every phase runs twice in a row, without and with
 * metrics (order alternating by round), and the report gives the overhead ratio of the same run.
 * `--tracing` (with `--metrics on|ab`): the workers with metrics also trace every decision (the
 * traced workflow bundle, OTLP/HTTP to a real Jaeger the benchmark starts), so `--metrics ab
 * --tracing` measures the overhead of metrics + tracing against neither.
 * The 1/5/15-minute load averages (`uptime`), Node version, date and command go next to every number.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { stringify } from 'yaml';
import { KineticClient } from '../client';
import { REPO_ROOT, toolPath } from '../config/tools';
import { SEARCH_ATTRIBUTES } from '../workflows/definitions';
import { workflowInterceptorModules } from '../worker';
import { WORKFLOW_PRELOAD_MODULES } from '../plugins/workflow-bundle';
import { startJaeger, type JaegerServer } from '../test/helpers/jaeger';
import { commandLine, infoLines, LoadSampler, LoadSummary, runInfo, uptime } from './helpers/run-info';

/** The decision record as the typed client returns it (wherever the type lives). */
type DecisionRecord = Awaited<ReturnType<KineticClient['waitForDecision']>>;

// ---------------------------------------------------------------------------------------------
// Options

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
function num(name: string, env: string, dflt: number): number {
  const v = Number(flag(name) ?? process.env[env] ?? dflt);
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} / ${env}: expected a whole number, got ${flag(name) ?? process.env[env]}`);
  return v;
}

const SEQUENTIAL = num('sequential', 'BENCH_SEQUENTIAL', 50);
const TOTAL = num('total', 'BENCH_TOTAL', 200);
const IN_FLIGHT = Math.max(1, num('in-flight', 'BENCH_IN_FLIGHT', 50));
const SERVICES = Math.max(IN_FLIGHT, num('services', 'BENCH_SERVICES', IN_FLIGHT));
const WORKERS = (flag('workers') ?? process.env.BENCH_WORKERS ?? '1,2,4').split(',').map((s) => {
  const n = Number(s.trim());
  if (!Number.isInteger(n) || n < 1) throw new Error(`--workers: expected a list like 1,2,4, got "${s}"`);
  return n;
});
/** Rounds over the worker counts (1,2,4, 1,2,4, …): the load of a shared machine drifts, interleaving spreads it. */
const ROUNDS = Math.max(1, num('rounds', 'BENCH_ROUNDS', 1));
const WORKER_KIND = (flag('worker-kind') ?? 'factory') as 'factory' | 'cli';
if (WORKER_KIND !== 'factory' && WORKER_KIND !== 'cli') throw new Error('--worker-kind: factory or cli');
const METRICS = (flag('metrics') ?? 'off') as 'off' | 'on' | 'ab';
if (!['off', 'on', 'ab'].includes(METRICS)) throw new Error('--metrics: off, on or ab');
if (METRICS !== 'off' && WORKER_KIND !== 'factory') throw new Error('--metrics needs --worker-kind factory (each worker takes a free port)');
const TRACING = process.argv.includes('--tracing');
if (TRACING && METRICS === 'off') throw new Error('--tracing traces the workers that have metrics: use it with --metrics on or --metrics ab');
/** How often the benchmark scrapes each worker's /metrics with metrics on (Prometheus's default is 15 s). */
const SCRAPE_MS = 1000;
const LABEL = flag('label') ?? process.env.BENCH_LABEL;
const OUT = flag('out') ?? join(__dirname, 'results', 'saga.md');
const WRITE = !process.argv.includes('--no-write');
const JSON_OUT = process.argv.includes('--json');
/** `--cpu-prof DIR`: each worker process writes a V8 CPU profile (node --cpu-prof) into DIR/<phase>/ when it exits. */
const CPU_PROF_DIR = flag('cpu-prof');
/** History per service: one week of 5-minute points. */
const HISTORY_POINTS = 2016;
const SEASONS = [288, 2016];
const HISTORY_SAMPLE = 50; // decision histories analysed per phase (concurrent part)

// ---------------------------------------------------------------------------------------------
// Small statistics

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const r0 = (x: number) => (Number.isFinite(x) ? Math.round(x) : NaN);
const r1 = (x: number) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : NaN);

// ---------------------------------------------------------------------------------------------
// Services: production-sized history and a kinetic.yaml

/** One CSV per service: 2,016 rows of the demo's two-week checkout series, each from its own phase and scale. */
function writeHistories(dir: string, services: number): string[] {
  const lines = readFileSync(join(REPO_ROOT, 'demo', 'checkout-requests.csv'), 'utf8').trim().split(/\r?\n/).slice(1);
  const values = lines.map((l) => Number(l.split(',')[1]));
  if (values.length < 2 * HISTORY_POINTS || values.some((v) => !Number.isFinite(v))) throw new Error('demo/checkout-requests.csv: expected 4,032 numeric rows');
  const end = Math.floor(Date.now() / 300_000) * 300_000; // "now", on a 5-minute boundary
  const files: string[] = [];
  for (let i = 0; i < services; i++) {
    const offset = (i * 97) % (values.length - HISTORY_POINTS); // a different time of day and week per service
    const scale = 0.5 + (i % 7) * 0.25; // 0.5× … 2×: fleets of a few to a few dozen instances
    const rows = ['timestamp,requests_per_second'];
    for (let k = 0; k < HISTORY_POINTS; k++) {
      const t = new Date(end - (HISTORY_POINTS - 1 - k) * 300_000).toISOString().replace('T', ' ').slice(0, 19);
      rows.push(`${t},${(values[offset + k] * scale).toFixed(2)}`);
    }
    const file = join(dir, `svc-${i}.csv`);
    writeFileSync(file, rows.join('\n') + '\n');
    files.push(file);
  }
  return files;
}

const CAPACITY_PER_INSTANCE = 40;
const MAX_INSTANCES = 80;
const MIN_INSTANCES = 2;

function writeConfig(dir: string, taskQueue: string, csvs: string[]): string {
  const services: Record<string, unknown> = {};
  csvs.forEach((path, i) => {
    services[`svc-${i}`] = {
      metrics: { source: 'csv', path, timeColumn: 'timestamp', valueColumn: 'requests_per_second', metric: 'requests_per_second', stepSeconds: 300, historyPoints: HISTORY_POINTS },
      seasons: SEASONS,
      capacityPerInstance: CAPACITY_PER_INSTANCE,
      targetUtilization: 0.7,
      minInstances: MIN_INSTANCES,
      maxInstances: MAX_INSTANCES,
      leadTime: '10m',
      decisionInterval: '5m',
      // Back-to-back decisions on one service are the point of a throughput test: no cooldown or stabilisation holds.
      cooldown: '0s',
      scaleInStabilization: '0s',
      maxStepChange: MAX_INSTANCES,
      approval: { autoApprove: { maxStepChange: MAX_INSTANCES, allowScaleIn: true } },
      budget: { monthly: 1e9 },
      pricing: { hourlyPerInstance: 0.096 },
      provisioner: { type: 'dry-run', initialInstances: MIN_INSTANCES },
    };
  });
  const file = join(dir, 'kinetic.yaml');
  // Explicit targets need role operator; the benchmark measures the saga, not token checks: unverified mode.
  writeFileSync(file, stringify({ version: 1, taskQueue, stateDir: join(dir, 'state'), schedules: { applyOnWorkerStart: false }, auth: { mode: 'unverified' }, services }));
  return file;
}

// ---------------------------------------------------------------------------------------------
// Worker processes

/** Starts n worker processes and waits until each polls; if one fails to start, the others are stopped. */
async function startWorkers(
  n: number,
  env: { address: string; taskQueue: string; config: string; bundle: string; metrics?: boolean; tracesUrl?: string; cpuProfDir?: string },
  metricsUrls: string[] = [],
): Promise<ChildProcess[]> {
  const children: ChildProcess[] = [];
  const ready = WORKER_KIND === 'factory' ? 'worker-ready' : 'worker polling';
  const started = Array.from({ length: n }, () => {
    const profile = env.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', env.cpuProfDir] : [];
    const args =
      WORKER_KIND === 'factory'
        ? ['--import', 'tsx', join(REPO_ROOT, 'bench', 'helpers', 'saga-worker.ts')]
        : [join(REPO_ROOT, 'bin', 'kinetic.js'), 'worker', '--config', env.config, '--task-queue', env.taskQueue];
    const child = spawn(process.execPath, [...profile, ...args], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: env.address,
        TASK_QUEUE: env.taskQueue,
        KINETIC_CONFIG: env.config,
        WORKFLOW_BUNDLE: env.bundle,
        ...(env.metrics ? { KINETIC_METRICS_PORT: '0' } : {}),
        ...(env.tracesUrl ? { KINETIC_TRACES_URL: env.tracesUrl } : {}),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    return new Promise<void>((resolve, reject) => {
      let seen = '';
      child.stdout!.on('data', (d: Buffer) => {
        if (seen.includes(ready)) return;
        seen += d.toString();
        if (seen.includes(ready)) {
          const url = /metrics-url (\S+)/.exec(seen)?.[1];
          if (url) metricsUrls.push(url);
          resolve();
        }
      });
      child.once('exit', (code, signal) => reject(new Error(`worker process ${child.pid} exited before it was ready (${code ?? signal})`)));
    });
  });
  try {
    await Promise.all(started);
  } catch (e) {
    await stopWorkers(children);
    throw e;
  }
  return children;
}

/** Rejects when every worker process has exited on its own (the decisions would wait forever). */
function allWorkersGone(children: ChildProcess[], stopping: { value: boolean }): Promise<never> {
  return new Promise((_, reject) => {
    let alive = children.length;
    for (const c of children) {
      c.once('exit', (code, signal) => {
        if (stopping.value) return;
        console.error(`[bench:saga] worker process ${c.pid} exited during the run (${code ?? signal})`);
        if (--alive === 0) reject(new Error('every worker process exited during the run'));
      });
    }
  });
}

async function stopWorkers(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM'); // drain and exit
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Decisions with alternating targets

interface Measured {
  service: string;
  kind: 'forecast' | 'explicit';
  ms: number;
  rec: DecisionRecord;
  changed: boolean;
}

class Decider {
  /** The forecast-based target each service last planned, and what its next decision asks for. */
  private readonly forecastTarget = new Map<string, number>();
  private readonly nextKind = new Map<string, 'forecast' | 'explicit'>();
  constructor(private readonly kinetic: KineticClient) {}

  /** A target a few instances away from the forecast's (up when there is room, else down). */
  private explicitTarget(service: string): number | undefined {
    const f = this.forecastTarget.get(service);
    if (f === undefined) return undefined;
    const d = Math.max(3, Math.round(0.25 * f));
    return f + d <= MAX_INSTANCES ? f + d : Math.max(MIN_INSTANCES, f - d);
  }

  async decide(service: string): Promise<Measured> {
    const kind = this.nextKind.get(service) ?? 'forecast';
    const target = kind === 'explicit' ? this.explicitTarget(service) : undefined;
    const t0 = performance.now();
    const s = await this.kinetic.startDecision(service, { trigger: { kind: 'test', by: 'bench:saga' }, ...(target !== undefined ? { targetOverride: target } : {}) });
    const rec = await this.kinetic.waitForDecision(s.decisionId);
    const ms = performance.now() - t0;
    if (kind === 'forecast' && rec.plan) this.forecastTarget.set(service, rec.plan.to);
    this.nextKind.set(service, kind === 'forecast' && this.forecastTarget.has(service) ? 'explicit' : 'forecast');
    const changed = rec.outcome === 'committed' && !!rec.plan && rec.plan.from !== rec.plan.to;
    return { service, kind: target !== undefined ? 'explicit' : 'forecast', ms, rec, changed };
  }
}

function outcomeMix(ms: Measured[]): Record<string, number> {
  const mix: Record<string, number> = {};
  for (const m of ms) {
    const key = m.rec.outcome === 'committed' ? (m.changed ? 'committed, capacity changed' : 'committed, same size') : (m.rec.outcome ?? 'none');
    mix[key] = (mix[key] ?? 0) + 1;
  }
  return mix;
}
const mixText = (mix: Record<string, number>) =>
  Object.entries(mix)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');

// ---------------------------------------------------------------------------------------------
// Where the time goes

type Ev = {
  eventId?: unknown;
  eventTime?: { seconds?: unknown; nanos?: number | null } | null;
  workflowTaskStartedEventAttributes?: unknown;
  workflowTaskTimedOutEventAttributes?: unknown;
  workflowTaskFailedEventAttributes?: unknown;
  workflowTaskCompletedEventAttributes?: { scheduledEventId?: unknown; startedEventId?: unknown } | null;
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string | null } | null } | null;
  activityTaskStartedEventAttributes?: { scheduledEventId?: unknown } | null;
  activityTaskCompletedEventAttributes?: { scheduledEventId?: unknown; startedEventId?: unknown } | null;
  markerRecordedEventAttributes?: { markerName?: string | null; details?: Record<string, { payloads?: Array<{ data?: Uint8Array | null }> | null }> | null } | null;
};

const tsMs = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;

function markerData(e: Ev): { type?: string; completeMs?: number } {
  const raw = e.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
  if (!raw) return {};
  try {
    const d = JSON.parse(Buffer.from(raw).toString('utf8')) as Record<string, unknown>;
    const type = (d.activity_type ?? d.activityType) as string | undefined;
    const ct = (d.complete_time ?? d.completeTime) as unknown;
    let completeMs: number | undefined;
    if (typeof ct === 'string') completeMs = Date.parse(ct);
    else if (ct && typeof ct === 'object') {
      const o = ct as { seconds?: unknown; secs_since_epoch?: unknown; nanos?: unknown; nanos_since_epoch?: unknown };
      completeMs = Number(o.seconds ?? o.secs_since_epoch ?? 0) * 1000 + Number(o.nanos ?? o.nanos_since_epoch ?? 0) / 1e6;
    }
    return { type, completeMs: Number.isFinite(completeMs) ? completeMs : undefined };
  } catch {
    return {};
  }
}

/** Milliseconds per saga part for one decision, from its history. */
async function historyBreakdown(client: Client, workflowId: string, runId: string): Promise<{ ms: Record<string, number>; workflowTasks: number; workflowTasksTimedOutOrFailed: number }> {
  const h = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const events = (h.events ?? []) as Ev[];
  const at = new Map<number, number>();
  const scheduledType = new Map<number, string>();
  const out: Record<string, number> = {};
  const add = (k: string, v: number) => (out[k] = (out[k] ?? 0) + v);
  let wftStarted = NaN;
  let lastBoundary = NaN;
  let completed = 0;
  let lost = 0;
  let restKey = '';
  for (const e of events) {
    const id = Number(e.eventId);
    const t = tsMs(e.eventTime);
    at.set(id, t);
    if (e.workflowTaskStartedEventAttributes) {
      wftStarted = t;
      lastBoundary = t;
    }
    if (e.workflowTaskCompletedEventAttributes) {
      add('workflow tasks: waiting for a worker (schedule → start)', at.get(Number(e.workflowTaskCompletedEventAttributes.startedEventId))! - at.get(Number(e.workflowTaskCompletedEventAttributes.scheduledEventId))!);
      completed++;
      // The task's time outside its local activities (their markers follow this event and are subtracted).
      restKey = `workflow task ${completed <= 3 ? completed : '4+'}: outside its local activities`;
      add(restKey, t - wftStarted);
    }
    if (e.workflowTaskTimedOutEventAttributes || e.workflowTaskFailedEventAttributes) {
      lost++;
      add('workflow tasks that timed out or failed', t - wftStarted);
    }
    if (e.markerRecordedEventAttributes) {
      const { type, completeMs } = markerData(e);
      if (type && completeMs !== undefined && Number.isFinite(lastBoundary)) {
        const d = Math.max(0, completeMs - lastBoundary);
        add(`local activity: ${type}`, d);
        if (restKey) add(restKey, -d);
        lastBoundary = Math.max(lastBoundary, completeMs);
      }
    }
    if (e.activityTaskScheduledEventAttributes) scheduledType.set(id, e.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
    if (e.activityTaskStartedEventAttributes) {
      const sid = Number(e.activityTaskStartedEventAttributes.scheduledEventId);
      add(`activity ${scheduledType.get(sid)}: waiting for a worker`, t - at.get(sid)!);
    }
    if (e.activityTaskCompletedEventAttributes) {
      const sid = Number(e.activityTaskCompletedEventAttributes.scheduledEventId);
      add(`activity ${scheduledType.get(sid)}: running`, t - at.get(Number(e.activityTaskCompletedEventAttributes.startedEventId))!);
    }
  }
  for (const k of Object.keys(out)) if (k.endsWith('outside its local activities')) out[k] = Math.max(0, out[k]);
  out['server side, start to close'] = tsMs(events[events.length - 1]?.eventTime) - tsMs(events[0]?.eventTime);
  return { ms: out, workflowTasks: completed + lost, workflowTasksTimedOutOrFailed: lost };
}

/** Milliseconds between the record's step timestamps (the workflow clock). */
const STAGE_ORDER = ['startedAt', 'forecast', 'plan', 'policy', 'budget', 'approval', 'provision', 'verify', 'commit', 'record', 'finishedAt'];
const STAGE_LABEL: Record<string, string> = {
  startedAt: 'start → forecast (context load)',
  forecast: 'forecast',
  plan: 'plan',
  policy: 'policy',
  budget: 'budget reservation',
  approval: 'approval',
  provision: 'provision (apply)',
  verify: 'verify',
  commit: 'commit',
  record: 'record (until finishedAt)',
};
function recordBreakdown(rec: DecisionRecord): Record<string, number> {
  const present = STAGE_ORDER.filter((s) => rec.timings[s]);
  const out: Record<string, number> = {};
  for (let i = 0; i + 1 < present.length; i++) out[STAGE_LABEL[present[i]] ?? present[i]] = Date.parse(rec.timings[present[i + 1]]) - Date.parse(rec.timings[present[i]]);
  return out;
}

interface BreakdownSummary {
  decisions: number;
  rows: Array<{ part: string; meanMs: number; p50Ms: number; p99Ms: number }>;
  /** From the histories: workflow tasks per decision, and how many of all of them timed out or failed. */
  workflowTasksPerDecision?: number;
  workflowTasksTimedOutOrFailed?: number;
}
function summarise(items: Array<Record<string, number>>): BreakdownSummary {
  const keys: string[] = [];
  for (const it of items) for (const k of Object.keys(it)) if (!keys.includes(k)) keys.push(k);
  return {
    decisions: items.length,
    rows: keys.map((k) => {
      const xs = items.map((it) => it[k] ?? 0);
      return { part: k, meanMs: r1(mean(xs)), p50Ms: r1(percentile(xs, 0.5)), p99Ms: r1(percentile(xs, 0.99)) };
    }),
  };
}

async function mapLimited<T, R>(xs: T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(xs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, xs.length) }, async () => {
      while (next < xs.length) {
        const i = next++;
        out[i] = await fn(xs[i]);
      }
    }),
  );
  return out;
}

/** CPU seconds (user + system) of this process's direct children, by kind: the worker processes and the Temporal dev server. */
const CLK_TCK = 100; // Linux USER_HZ
function childrenCpuSeconds(workerPids: number[]): { workers: number; server: number } | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined; // not Linux
  }
  const out = { workers: 0, server: 0 };
  for (const pid of entries) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // f[0] = state (field 3)
    const ppid = Number(f[1]);
    const cpu = (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime, stime (fields 14, 15)
    if (workerPids.includes(Number(pid))) out.workers += cpu;
    else if (ppid === process.pid && comm.startsWith('temporal')) out.server += cpu;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// One phase: W worker processes

interface Phase {
  workers: number;
  round?: number;
  /** Workers served /metrics and were scraped every SCRAPE_MS (scrapes done, failed). */
  metrics?: { scrapes: number; failed: number };
  sequential?: { decisions: number; p50Ms: number; p99Ms: number; meanMs: number; outcomes: Record<string, number>; kinds: Record<'forecast' | 'explicit', { n: number; p50Ms: number }>; load: LoadSummary };
  concurrent: {
    decisions: number;
    inFlight: number;
    seconds: number;
    changedPerSecond: number;
    allPerSecond: number;
    changed: number;
    outcomes: Record<string, number>;
    byKind: Record<string, number>;
    latencyP50Ms: number;
    latencyP99Ms: number;
    load: LoadSummary;
    /** CPU seconds used during the measurement by the worker processes, the dev server and this (client) process. */
    cpu?: { workersSeconds: number; serverSeconds: number; clientSeconds: number; perChangedDecisionMs: number };
  };
  breakdown: { sequential?: BreakdownSummary; concurrent: BreakdownSummary; recordSequential?: BreakdownSummary; recordConcurrent: BreakdownSummary };
  forecastModel?: string;
  unexpected: string[];
}

/** The workflow bundles: without tracing, and (with --tracing) with its interceptors; the Jaeger traced workers export to. */
interface Bundles {
  plain: string;
  traced?: string;
  tracesUrl?: string;
}

async function runPhase(env: TestWorkflowEnvironment, root: string, csvs: string[], bundles: Bundles, workers: number, measureSequential: boolean, round: number, metrics = false): Promise<Phase> {
  const traced = metrics && TRACING;
  const bundle = traced ? bundles.traced! : bundles.plain;
  const dir = join(root, `r${round}-w${workers}${metrics ? '-m' : ''}`);
  mkdirSync(dir, { recursive: true });
  const taskQueue = `bench-saga-r${round}-w${workers}${metrics ? '-m' : ''}-${randomBytes(3).toString('hex')}`;
  const config = writeConfig(dir, taskQueue, csvs);
  const kinetic = new KineticClient(env.client, taskQueue);
  const decider = new Decider(kinetic);
  const services = csvs.map((_, i) => `svc-${i}`);
  log(`W=${workers}: starting ${workers} ${WORKER_KIND} worker process(es) on ${taskQueue}${metrics ? ', metrics on' : ''}${traced ? ', tracing on' : ''}`);
  const metricsUrls: string[] = [];
  const cpuProfDir = CPU_PROF_DIR && join(CPU_PROF_DIR, `r${round}-w${workers}${metrics ? (traced ? '-traced' : '-metrics') : ''}`);
  const children = await startWorkers(workers, { address: env.address, taskQueue, config, bundle, metrics, ...(traced ? { tracesUrl: bundles.tracesUrl } : {}), ...(cpuProfDir ? { cpuProfDir } : {}) }, metricsUrls);
  if (metrics && metricsUrls.length !== workers) throw new Error(`metrics on, but ${workers - metricsUrls.length} worker(s) printed no metrics-url`);
  // A scraper in place of Prometheus: every worker's page read every second, as a busy Prometheus would.
  const scraped = { scrapes: 0, failed: 0 };
  const scraper = metrics
    ? setInterval(() => {
        for (const url of metricsUrls) {
          fetch(url).then(
            async (r) => void (await r.text(), r.ok ? scraped.scrapes++ : scraped.failed++),
            () => void scraped.failed++,
          );
        }
      }, SCRAPE_MS)
    : undefined;
  const stopping = { value: false };
  const gone = allWorkersGone(children, stopping);
  gone.catch(() => undefined);
  try {
    const phase = await Promise.race([gone, measure()]);
    return metrics ? { ...phase, metrics: { ...scraped } } : phase;
  } finally {
    clearInterval(scraper);
    stopping.value = true;
    log(`W=${workers}: stopping workers`);
    await stopWorkers(children);
  }

  async function measure(): Promise<Phase> {
    // Warm-up (not measured): one forecast-based decision per service sets its forecast target and
    // warms every process (JIT, config and ledger caches, connections).
    log(`W=${workers}: warm-up, ${services.length} decisions`);
    await mapLimited(services, IN_FLIGHT, (s) => decider.decide(s));

    let sequential: Phase['sequential'];
    const seqRuns: Measured[] = [];
    if (measureSequential && SEQUENTIAL > 0) {
      log(`W=${workers}: ${SEQUENTIAL} sequential decisions`);
      const load = new LoadSampler().start();
      // Two in a row per service, so both kinds of target are measured (explicit, then forecast-based).
      for (let i = 0; i < SEQUENTIAL; i++) seqRuns.push(await decider.decide(services[Math.floor(i / 2) % services.length]));
      const ms = seqRuns.map((r) => r.ms);
      const ofKind = (k: Measured['kind']) => {
        const xs = seqRuns.filter((r) => r.kind === k).map((r) => r.ms);
        return { n: xs.length, p50Ms: r0(percentile(xs, 0.5)) };
      };
      sequential = {
        decisions: SEQUENTIAL,
        p50Ms: r0(percentile(ms, 0.5)),
        p99Ms: r0(percentile(ms, 0.99)),
        meanMs: r0(mean(ms)),
        outcomes: outcomeMix(seqRuns),
        kinds: { forecast: ofKind('forecast'), explicit: ofKind('explicit') },
        load: load.stop(),
      };
    }

    log(`W=${workers}: ${TOTAL} decisions, ${IN_FLIGHT} in flight`);
    const load = new LoadSampler().start();
    const pids = children.map((c) => c.pid!).filter(Boolean);
    const cpu0 = childrenCpuSeconds(pids);
    const client0 = process.cpuUsage();
    const runs: Measured[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async (_, lane) => {
        while (next < TOTAL) {
          next++;
          runs.push(await decider.decide(services[lane % services.length]));
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const concurrentLoad = load.stop();
    const cpu1 = childrenCpuSeconds(pids);
    const clientCpu = process.cpuUsage(client0);
    const cpu =
      cpu0 && cpu1
        ? {
            workersSeconds: r1(cpu1.workers - cpu0.workers),
            serverSeconds: r1(cpu1.server - cpu0.server),
            clientSeconds: r1((clientCpu.user + clientCpu.system) / 1e6),
          }
        : undefined;
    const changed = runs.filter((r) => r.changed).length;
    const byKind: Record<string, number> = {};
    for (const r of runs) byKind[`${r.kind}${r.changed ? '' : ' (no change)'}`] = (byKind[`${r.kind}${r.changed ? '' : ' (no change)'}`] ?? 0) + 1;

    // Histories after the measurement, so fetching them does not compete with it.
    const stride = Math.max(1, Math.floor(runs.length / HISTORY_SAMPLE));
    const sample = runs.filter((_, i) => i % stride === 0).slice(0, HISTORY_SAMPLE);
    const hist = (rs: Measured[]) => mapLimited(rs, 4, (r) => historyBreakdown(env.client, r.rec.workflowId, r.rec.runId));
    const withClient = async (rs: Measured[]) => {
      const hs = await hist(rs);
      const ms = hs.map((b, i) => ({ ...b.ms, 'client side, start call to result': rs[i].ms, 'client overhead (client side − server side)': rs[i].ms - b.ms['server side, start to close'] }));
      return { ...summarise(ms), workflowTasksPerDecision: r1(mean(hs.map((b) => b.workflowTasks))), workflowTasksTimedOutOrFailed: hs.reduce((a, b) => a + b.workflowTasksTimedOutOrFailed, 0) };
    };
    const breakdown: Phase['breakdown'] = {
      concurrent: await withClient(sample),
      recordConcurrent: summarise(sample.map((r) => recordBreakdown(r.rec))),
      ...(seqRuns.length ? { sequential: await withClient(seqRuns), recordSequential: summarise(seqRuns.map((r) => recordBreakdown(r.rec))) } : {}),
    };
    const unexpected = [...seqRuns, ...runs].filter((r) => !r.changed).slice(0, 5).map((r) => `${r.rec.id} (${r.kind}): ${r.rec.outcome} — ${r.rec.reason ?? ''}`);
    return {
      workers,
      sequential,
      concurrent: {
        decisions: runs.length,
        inFlight: IN_FLIGHT,
        seconds: Number(seconds.toFixed(2)),
        changedPerSecond: r1(changed / seconds),
        allPerSecond: r1(runs.length / seconds),
        changed,
        outcomes: outcomeMix(runs),
        byKind,
        latencyP50Ms: r0(percentile(runs.map((r) => r.ms), 0.5)),
        latencyP99Ms: r0(percentile(runs.map((r) => r.ms), 0.99)),
        load: concurrentLoad,
        cpu: cpu && { ...cpu, perChangedDecisionMs: r0((1000 * (cpu.workersSeconds + cpu.serverSeconds + cpu.clientSeconds)) / Math.max(1, changed)) },
      },
      breakdown,
      forecastModel: runs.find((r) => r.rec.forecast)?.rec.forecast?.model,
      unexpected,
    };
  }
}

/**
 * --metrics ab: per worker count, the median over rounds of the with ÷ without ratios of the
 * worker processes' CPU per changed decision, of decisions/s (without ÷ with, so > 1 is slower
 * with metrics) and of the sequential p50 latency.
 */
function metricsOverhead(phases: Phase[]) {
  if (METRICS !== 'ab') return undefined;
  const mid = (xs: number[]) => (xs.length ? r1000(percentile(xs, 0.5)) : undefined);
  return WORKERS.map((w) => {
    const cpu: number[] = [];
    const rate: number[] = [];
    const seq: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const off = phases.find((p) => p.workers === w && p.round === round && !p.metrics);
      const on = phases.find((p) => p.workers === w && p.round === round && p.metrics);
      if (!off || !on) continue;
      const perDecision = (p: Phase) => (p.concurrent.cpu ? p.concurrent.cpu.workersSeconds / Math.max(1, p.concurrent.changed) : NaN);
      const c = perDecision(on) / perDecision(off);
      if (Number.isFinite(c)) cpu.push(c);
      rate.push(off.concurrent.changedPerSecond / on.concurrent.changedPerSecond);
      if (off.sequential && on.sequential) seq.push(on.sequential.p50Ms / off.sequential.p50Ms);
    }
    return { workers: w, rounds: rate.length, workerCpuRatio: mid(cpu), throughputRatio: mid(rate), sequentialP50Ratio: mid(seq) };
  });
}

function r1000(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function log(msg: string) {
  if (!JSON_OUT) console.error(`[bench:saga ${new Date().toISOString().slice(11, 19)}] ${msg}`);
}

// ---------------------------------------------------------------------------------------------
// Report

function loadCell(l: LoadSummary): string {
  return `${l.oneMinute.min}–${l.oneMinute.max} (mean ${l.oneMinute.mean})`;
}
function upCell(u: string): string {
  return /load averages?:\s*(.*)$/.exec(u)?.[1] ?? u;
}

function breakdownTable(title: string, b: BreakdownSummary | undefined, note: string): string[] {
  if (!b) return [];
  return [
    `**${title}** (${b.decisions} decisions; ${note}${b.workflowTasksPerDecision !== undefined ? `; ${b.workflowTasksPerDecision} workflow tasks per decision, ${b.workflowTasksTimedOutOrFailed} of all timed out or failed` : ''})`,
    '',
    '| part | mean ms | p50 ms | p99 ms |',
    '|---|---:|---:|---:|',
    ...b.rows.map((r) => `| ${r.part} | ${r.meanMs} | ${r.p50Ms} | ${r.p99Ms} |`),
    '',
  ];
}

function markdown(info: ReturnType<typeof runInfo>, serverVersion: string, phases: Phase[], totalSeconds: number): string {
  const seqPhase = phases.find((p) => p.sequential);
  const seq = seqPhase?.sequential;
  const median = (xs: number[]) => {
    const t = [...xs].sort((a, b) => a - b);
    return t.length % 2 ? t[(t.length - 1) / 2] : (t[t.length / 2 - 1] + t[t.length / 2]) / 2;
  };
  // With --metrics ab the headline numbers are the runs without metrics; the overhead section compares.
  const headline = METRICS === 'ab' ? phases.filter((p) => !p.metrics) : phases;
  const perW = WORKERS.map((w) => ({ w, rates: headline.filter((p) => p.workers === w).map((p) => p.concurrent.changedPerSecond) }));
  const base = median(perW[0]?.rates ?? [NaN]);
  const firstRound = phases.filter((p) => (p.round ?? 1) === 1);
  const lines: string[] = [
    `# Decision saga throughput${LABEL ? ` — ${LABEL}` : ''}`,
    '',
    ...infoLines(info),
    `- Temporal: dev server \`${serverVersion}\` (in-memory SQLite), started by the benchmark; workers: ${WORKER_KIND === 'factory' ? '`bench/helpers/saga-worker.ts` processes (the repo\'s `createKineticWorker`, as `kinetic worker` calls it, on one pre-built workflow bundle)' : 'real `kinetic worker` processes'}; the benchmark process is the client.`,
    `- Machine load: 2 cores shared with other jobs (other engineers' builds, tests and benchmarks ran at the same time). Each table gives the 1-minute load average sampled every second while its numbers were measured, and the \`uptime\` load averages (1 / 5 / 15 min) after. Throughput on 2 cores with load above 2 is pessimistic.`,
    '',
    '## Setup',
    '',
    `- ${SERVICES} services, each with its own CSV of **${HISTORY_POINTS} points at 5-minute steps** (one week; \`seasons: [${SEASONS.join(', ')}]\`), cut from the bundled \`demo/checkout-requests.csv\` (synthetic checkout request rates with a daily and weekly cycle) at a different phase per service and scaled 0.5×–2×. Every decision reads the history and forecasts from it with the service's default forecast models${phases[0]?.forecastModel ? ` (a record's forecast: \`${phases[0].forecastModel}\`)` : ''}.`,
    `- Dry-run provisioner, capacity ${CAPACITY_PER_INSTANCE} req/s per instance at 70 %, ${MIN_INSTANCES}–${MAX_INSTANCES} instances, no cooldown or scale-in stabilisation, auto-approval of any step, a budget no decision reaches.`,
    '- **Every measured decision is meant to change capacity**: per service, decisions alternate between the planner\'s forecast-based target and an explicit target (`targetOverride`, as `kinetic decide --target`) max(3, 25 %) instances away from it. The outcome of every measured decision is counted below; decisions/s counts only decisions that committed a changed fleet.',
    `- Each worker count gets a fresh task queue and state directory; one unmeasured warm-up decision per service first.`,
    '',
  ];
  // A summary the lead can lift into BENCHMARKS.md.
  const seqRows = seqPhase?.breakdown.sequential?.rows ?? [];
  const rowMean = (part: string) => seqRows.find((r) => r.part === part)?.meanMs ?? NaN;
  const forecastShare = rowMean('local activity: forecastDemand') / rowMean('server side, start to close');
  const cpuPer = phases.map((p) => p.concurrent.cpu?.perChangedDecisionMs).filter((x): x is number => x !== undefined);
  const cpuMedian = cpuPer.length ? median(cpuPer) : NaN;
  const changedAll = phases.every((p) => p.concurrent.changed === p.concurrent.decisions) && (!seq || seq.outcomes['committed, capacity changed'] === seq.decisions);
  lines.push(
    '## Summary',
    '',
    ...(seq ? [`- Sequential (1 worker process): p50 **${seq.p50Ms} ms**, p99 **${seq.p99Ms} ms** per decision (1-min load ${loadCell(seq.load)}); the forecast step is ${Number.isFinite(forecastShare) ? `${Math.round(100 * forecastShare)} %` : 'n/a'} of the server-side time.`] : []),
    `- ${TOTAL} decisions, ${IN_FLIGHT} in flight, decisions/s that changed capacity: ${perW.map(({ w, rates }) => `${w} process${w > 1 ? 'es' : ''} **${r1(median(rates))}**`).join(', ')}${ROUNDS > 1 ? ` (median of ${ROUNDS} interleaved rounds)` : ''}; 1-min load ${Math.min(...phases.map((p) => p.concurrent.load.oneMinute.min))}–${Math.max(...phases.map((p) => p.concurrent.load.oneMinute.max))} while measuring.`,
    `- ${changedAll ? 'Every' : 'Not every'} measured decision changed capacity (outcome mix below).`,
    ...(Number.isFinite(cpuMedian)
      ? [`- CPU per decision (workers + dev server + client, median over the runs): ${cpuMedian} ms; the ${info.cores} cores of this machine, were they idle, would bound the rate at about ${r1((info.cores * 1000) / cpuMedian)} decisions/s.`]
      : []),
    '',
  );
  if (seq && seqPhase) {
    lines.push(
      `## Sequential latency (${seqPhase.workers} worker process${seqPhase.workers > 1 ? 'es' : ''})`,
      '',
      '| decisions | p50 ms | p99 ms | mean ms | p50 forecast-based / explicit target | outcomes | 1-min load during | `uptime` after (1 / 5 / 15 min) |',
      '|---:|---:|---:|---:|---|---|---|---|',
      `| ${seq.decisions} | **${seq.p50Ms}** | **${seq.p99Ms}** | ${seq.meanMs} | ${seq.kinds.forecast.p50Ms} (${seq.kinds.forecast.n}) / ${seq.kinds.explicit.p50Ms} (${seq.kinds.explicit.n}) | ${mixText(seq.outcomes)} | ${loadCell(seq.load)} | ${upCell(seq.load.end)} |`,
      '',
      'Client side: from the `startDecision` call to the record returned by `waitForDecision`, one decision at a time, two in a row per service (an explicit target, then the forecast-based one). Both kinds run the whole saga, forecast included.',
      '',
    );
  }
  lines.push(
    `## Throughput by worker processes (${TOTAL} decisions, ${IN_FLIGHT} in flight)`,
    '',
    '| worker processes | round | wall s | **decisions/s (capacity changed)** | all decisions/s | vs 1 process | outcomes of every measured decision | forecast-based / explicit target | latency p50 / p99 ms | CPU s: workers / dev server / client (ms per changed decision) | 1-min load during | `uptime` after (1 / 5 / 15 min) |',
    '|---:|---:|---:|---:|---:|---:|---|---|---|---|---|---|',
    ...phases.map((p) => {
      const c = p.concurrent;
      const kinds = `${c.byKind['forecast'] ?? 0}${c.byKind['forecast (no change)'] ? ` (+${c.byKind['forecast (no change)']} unchanged)` : ''} / ${c.byKind['explicit'] ?? 0}${c.byKind['explicit (no change)'] ? ` (+${c.byKind['explicit (no change)']} unchanged)` : ''}`;
      const cpu = c.cpu ? `${c.cpu.workersSeconds} / ${c.cpu.serverSeconds} / ${c.cpu.clientSeconds} (${c.cpu.perChangedDecisionMs})` : 'n/a';
      return `| ${p.workers} | ${p.round ?? 1}${p.metrics ? ' (metrics on)' : ''} | ${c.seconds} | **${c.changedPerSecond}** | ${c.allPerSecond} | ${base ? `${(c.changedPerSecond / base).toFixed(2)}×` : ''} | ${mixText(c.outcomes)} | ${kinds} | ${c.latencyP50Ms} / ${c.latencyP99Ms} | ${cpu} | ${loadCell(c.load)} | ${upCell(c.load.end)} |`;
    }),
    '',
    ...(ROUNDS > 1 ? [`Median decisions/s (capacity changed) over ${ROUNDS} interleaved rounds: ${perW.map(({ w, rates }) => `${w} process${w > 1 ? 'es' : ''} ${r1(median(rates))} (${rates.join(', ')})`).join('; ')}. "vs 1 process" divides by the 1-process median.`, ''] : []),
    'CPU: user + system seconds from /proc during the measured decisions, for the worker processes (JavaScript main thread, workflow thread, Temporal Core), the dev server and the benchmark process (the client). With 2 cores shared with other jobs, the decisions get at most 2 cores minus what the other jobs take; more worker processes cannot add CPU, only spread it. On an idle machine the ceiling is about (cores available) ÷ (CPU per decision).',
    '',
  );
  const overhead = metricsOverhead(phases);
  if (overhead) {
    lines.push(
      TRACING ? '## Metrics + tracing overhead (same run, without → with)' : '## Metrics overhead (same run, without → with)',
      '',
      `Each phase ran twice back to back, workers without and with \`/metrics\` (Kinetic's metrics, process metrics and Temporal's SDK exporter, as \`kinetic worker --metrics-port\`), each worker's page scraped every ${SCRAPE_MS / 1000} s${
        TRACING ? ", and with traces of every decision (the traced workflow bundle: the trace context header on each activity and one sink call per run; the decision's spans built by the worker outside the workflow sandbox; OTLP/HTTP to a real Jaeger)" : ''
      }; the order alternates by round. Ratios are with ÷ without (≤ 1.10 is the target), medians over rounds.`,
      '',
      '| worker processes | rounds | worker CPU per changed decision | decisions/s (without ÷ with) | sequential p50 |',
      '|---:|---:|---:|---:|---:|',
      ...overhead.map((o) => `| ${o.workers} | ${o.rounds} | **${o.workerCpuRatio}** | ${o.throughputRatio} | ${o.sequentialP50Ratio ?? 'n/a'} |`),
      '',
    );
  }
  const unexpected = phases.flatMap((p) => p.unexpected.map((u) => `W=${p.workers}: ${u}`));
  if (unexpected.length) lines.push('Decisions that did not change capacity (first few per phase):', '', ...unexpected.map((u) => `- ${u}`), '');

  lines.push('## Where the time goes', '', ...(ROUNDS > 1 ? ['(From the first round.)', ''] : []));
  lines.push(
    'From each decision\'s workflow history. The local activities (context, forecast, plan, policy, budget, commit, audit record) run inside workflow tasks on the worker; their markers carry their real completion times, so each is timed from the previous one\'s completion (or from the start of its workflow task). The regular activities (apply, verify) split into waiting for a worker to pick them up and running. "Workflow tasks: waiting" sums the schedule-to-start of the decision\'s workflow tasks. In this version of the saga a decision has three: task 1 runs context → forecast → plan → policy → budget and schedules apply, task 2 schedules verify, task 3 runs commit and the audit record and completes the workflow; "outside its local activities" is the rest of each task: workflow code, the worker process\'s event loop being busy with other decisions (a forecast is CPU-bound JavaScript on the process\'s main thread), and the round trip that completes the task. The client side adds the start call and the result long-poll. Under overload (many decisions in flight on a saturated CPU) the split is approximate: a local activity still waiting for the busy event loop when its workflow task must be handed back (after 80 % of the 10 s task timeout) is recorded in a later task, and its wait counts as the earlier task\'s "outside" time; tasks also time out and are retried. The header of each table gives the tasks per decision and how many timed out.',
    '',
  );
  if (seqPhase) lines.push(...breakdownTable(`Sequential, ${seqPhase.workers} worker process${seqPhase.workers > 1 ? 'es' : ''}`, seqPhase.breakdown.sequential, `load ${seqPhase.sequential ? loadCell(seqPhase.sequential.load) : ''}`));
  for (const p of firstRound) lines.push(...breakdownTable(`${IN_FLIGHT} in flight, ${p.workers} worker process${p.workers > 1 ? 'es' : ''}`, p.breakdown.concurrent, `an even sample of the ${p.concurrent.decisions}; load ${loadCell(p.concurrent.load)}`));
  lines.push(
    'The decision record\'s `timings` (the time each step started, on the workflow clock) give the same split by step. There the rest of a workflow task and the hand-over to the next one are folded into the step that follows, e.g. "provision" includes the end of the first workflow task, the apply activity and the start of the next task.',
    '',
  );
  if (seqPhase) lines.push(...breakdownTable(`Record timings, sequential`, seqPhase.breakdown.recordSequential, 'workflow clock'));
  const last = firstRound[firstRound.length - 1];
  if (last) lines.push(...breakdownTable(`Record timings, ${IN_FLIGHT} in flight, ${last.workers} worker processes`, last.breakdown.recordConcurrent, 'workflow clock'));
  lines.push(`Whole run: ${r0(totalSeconds)} s.`, '');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const info = runInfo(commandLine(__filename));
  const t0 = performance.now();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const root = mkdtempSync(join(tmpdir(), 'kinetic-bench-saga-'));
  log(`state and histories in ${root}; ${uptime()}`);
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: toolPath('temporal') }, searchAttributes: SEARCH_ATTRIBUTES, log: { format: 'pretty', level: 'error' } },
  });
  const phases: Phase[] = [];
  let jaeger: JaegerServer | undefined;
  let tracesReceived: number | undefined;
  let serverVersion = 'unknown';
  try {
    serverVersion = readFileSync(toolPath('temporal') + '.version', 'utf8').trim();
  } catch {
    try {
      serverVersion = readFileSync(join(REPO_ROOT, '.tools', 'bin', 'temporal.version'), 'utf8').trim();
    } catch {
      /* unknown */
    }
  }
  try {
    // The bundles `kinetic worker` builds, without and with tracing.
    const bundleOf = async (tracing: boolean, file: string) => {
      const { code } = await bundleWorkflowCode({ workflowsPath: join(REPO_ROOT, 'workflows', 'index.ts'), workflowInterceptorModules: workflowInterceptorModules({ tracing }), preloadModules: [...WORKFLOW_PRELOAD_MODULES], logger: quietLogger });
      writeFileSync(join(root, file), code);
      return join(root, file);
    };
    if (TRACING) jaeger = await startJaeger();
    const bundles: Bundles = {
      plain: await bundleOf(false, 'workflow-bundle.js'),
      ...(jaeger ? { traced: await bundleOf(true, 'workflow-bundle-traced.js'), tracesUrl: `${jaeger.otlpUrl}/v1/traces` } : {}),
    };
    const dataDir = join(root, 'history');
    mkdirSync(dataDir);
    const csvs = writeHistories(dataDir, SERVICES);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [i, w] of WORKERS.entries()) {
        // A/B: without and with metrics back to back, the order alternating by round (load drifts).
        const variants = METRICS === 'ab' ? (round % 2 ? [false, true] : [true, false]) : [METRICS === 'on'];
        for (const m of variants) phases.push({ ...(await runPhase(env, root, csvs, bundles, w, round === 1 && i === 0, round, m)), round });
      }
    }
    // The traced workers' spans really arrived: decisions' traces in Jaeger.
    if (jaeger) {
      await new Promise((r) => setTimeout(r, 3000));
      tracesReceived = (await jaeger.traces('kinetic-worker', { limit: 100_000 })).filter((t) => t.spans.some((s) => s.operationName === 'RunWorkflow:scalingDecision')).length;
      log(`jaeger holds ${tracesReceived} decision traces of kinetic-worker`);
    }
  } finally {
    await jaeger?.stop();
    await env.teardown();
    rmSync(root, { recursive: true, force: true });
  }
  const totalSeconds = (performance.now() - t0) / 1000;
  const report = { run: info, label: LABEL, temporal: serverVersion, services: SERVICES, historyPoints: HISTORY_POINTS, seasons: SEASONS, workerKind: WORKER_KIND, metrics: METRICS, tracing: TRACING, tracesReceived, metricsOverhead: metricsOverhead(phases), phases, seconds: r0(totalSeconds) };
  console.log(JSON_OUT ? JSON.stringify(report) : JSON.stringify(report, null, 2));
  if (WRITE) {
    writeFileSync(OUT, markdown(info, serverVersion, phases, totalSeconds));
    log(`wrote ${OUT}`);
  }
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
};

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

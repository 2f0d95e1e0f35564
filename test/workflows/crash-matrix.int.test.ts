/**
 * The crash matrix (issue 13, item 5): a decision's worker SIGKILLed at each step of the saga, and
 * the Temporal dev server restarted mid-apply and mid-approval. A replacement worker process (or,
 * for the restarts, the same worker once the server is back) finishes the decision. Every cell
 * asserts: the decision completes; the fleet is the new plan (committed) or the previous capacity
 * (rolled back), never in between; exactly one effective apply (the fault-injecting provisioner's
 * journal); nothing left reserved in the budget authority; exactly one audit record; no orphan
 * process. Local-activity steps (context … budget, commit, record) die inside their workflow task:
 * the task times out and the replacement worker runs it again. One `pulumi-local` cell also kills
 * the dead worker's `pulumi up` and empties the checkpoint's attributes file (a kill inside the
 * engine's checkpoint write, seen in CI): the replacement must repair it, not fail forever.
 *
 * This file runs its own dev server (persistent SQLite file, free ports) so it can restart it.
 * The matrix is printed and written to bench/results/reliability.md.
 */
import { poolPort, PORT_BLOCKS } from '../helpers/ports';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, type ExpectStatic, it } from 'vitest';
import { temporalReachable } from '../../cli/embedded-server';
import { BudgetAuthorityClient } from '../../client/budget-authority';
import { KineticClient } from '../../client';
import { REPO_ROOT, toolPath } from '../../config/tools';
import type { DecisionRecord } from '../../decision/record';
import { DryRunProvisioner } from '../../provisioners/dry-run';
import { FileAuditLog } from '../../store/audit';
import { SEARCH_ATTRIBUTE_FLAGS } from '../../workflows/definitions';
import { createPulumiLocalProvisioner } from '../../provisioners/pulumi-local';
import { membersUnder, processesUnder } from '../pulumi/helpers';
import { createSandbox, flat, type Sandbox, serviceConfig } from '../helpers/sandbox';
import { FAST_TIMEOUTS } from '../helpers/temporal';
import { killWorker, startWorkerProcess } from '../helpers/worker-process';
import { freeLoopbackPort as freePort } from '../../net/free-port';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const INITIAL = 2; // the fleet before every decision
const PLANNED = 6; // flat demand 55 at 10 per instance

// ---------------------------------------------------------------- own dev server (restartable)


interface DevServer {
  address: string;
  restart(): Promise<number>;
  stop(): Promise<void>;
}

async function startDevServer(dir: string): Promise<DevServer> {
  const [port, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const address = `127.0.0.1:${port}`;
  const args = [
    'server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--http-port', String(httpPort),
    '--metrics-port', String(metricsPort), '--headless', '--db-filename', join(dir, 'temporal.sqlite'),
    '--log-level', 'error', ...SEARCH_ATTRIBUTE_FLAGS,
  ];
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(toolPath('temporal'), args, { stdio: ['ignore', 'ignore', 'inherit'] });
    const deadline = Date.now() + 60_000;
    while (!(await temporalReachable(address))) {
      if (child.exitCode !== null) throw new Error(`dev server exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error(`dev server not answering on ${address}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await done;
    clearTimeout(timer);
  };
  await launch();
  return {
    address,
    /** Stops the server and starts it again on the same port and SQLite file; returns the ms it was down. */
    async restart() {
      const t0 = Date.now();
      await stop();
      await launch();
      return Date.now() - t0;
    },
    stop,
  };
}

// ---------------------------------------------------------------- the cells

type Fault = 'worker SIGKILL' | 'server restart';

interface Cell {
  step: string;
  fault: Fault;
  /** The fixture's KINETIC_TEST_PAUSE_AT (`<activity>:<before|after>`), when the step is held by it. */
  pause?: string;
  /** The step runs as a local activity: the kill times out its workflow task. */
  local?: boolean;
  /** A person must approve (auto-approve step of 1): the kill lands while the decision waits. */
  approval?: boolean;
  /** Apply takes this long (fault-injecting `applyDelayMs`, heartbeating). */
  applyDelayMs?: number;
  /**
   * Once the replacement is up, the held step goes on and the kill waits until the provisioner's
   * apply started (its journal): the worker dies mid-apply, before the change lands.
   */
  release?: boolean;
  failVerify?: boolean;
  /** The decision ends within this many seconds of the kill. */
  maxRecoverySeconds?: number;
  /** Timeouts other than FAST_TIMEOUTS. */
  timeouts?: Partial<typeof FAST_TIMEOUTS>;
  expected: 'committed' | 'rolled-back';
}

const KILL_CELLS: Cell[] = [
  { step: 'context', fault: 'worker SIGKILL', pause: 'loadDecisionContext:before', local: true, expected: 'committed' },
  { step: 'forecast', fault: 'worker SIGKILL', pause: 'forecastDemand:before', local: true, expected: 'committed' },
  // Plan, policy and budget reserve run as one local activity (saga change merged-decision-steps).
  { step: 'plan + policy + budget reserve', fault: 'worker SIGKILL', pause: 'planReviewAndReserve:before', local: true, expected: 'committed' },
  { step: 'plan + policy + budget reserve (reserved, result not recorded)', fault: 'worker SIGKILL', pause: 'planReviewAndReserve:after', local: true, expected: 'committed' },
  { step: 'awaiting approval', fault: 'worker SIGKILL', approval: true, expected: 'committed' },
  { step: 'apply, before the change lands', fault: 'worker SIGKILL', pause: 'applyCapacity:before', release: true, applyDelayMs: 5000, expected: 'committed' },
  { step: 'apply, landed, completion not reported', fault: 'worker SIGKILL', pause: 'applyCapacity:after', expected: 'committed' },
  // Verification's heartbeat timeout is heartbeatSeconds (3 s here), not its 150 s timeout: the
  // replacement takes over within seconds (before, the kill cost the whole verifySeconds).
  { step: 'verify', fault: 'worker SIGKILL', pause: 'verifyCapacity:before', timeouts: { verifySeconds: 150 }, maxRecoverySeconds: 60, expected: 'committed' },
  { step: 'rollback (verify failed)', fault: 'worker SIGKILL', pause: 'rollbackCapacity:before', failVerify: true, expected: 'rolled-back' },
  // A committed decision's budget commit runs in its record step (saga change merged-decision-steps).
  { step: 'commit + record, before either', fault: 'worker SIGKILL', pause: 'commitBudgetAndRecord:before', local: true, expected: 'committed' },
  { step: 'commit + record (committed and written, result not recorded)', fault: 'worker SIGKILL', pause: 'commitBudgetAndRecord:after', local: true, expected: 'committed' },
];

interface Row {
  step: string;
  fault: string;
  outcome: string;
  fleet: string;
  duplicates: number;
  orphans: number;
  'lost records': number;
  'left reserved': number;
  'recovery s': string;
  'cell s': string;
}

const rows: Array<{ n: number; row: Row }> = [];
let server: DevServer;
let client: Client;
let serverDir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  serverDir = mkdtempSync(join(tmpdir(), 'kinetic-crash-matrix-'));
  server = await startDevServer(serverDir);
  client = new Client({ connection: await Connection.connect({ address: server.address }), namespace: 'default' });
}, 90_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await client?.connection.close();
  await server?.stop();
  if (serverDir) rmSync(serverDir, { recursive: true, force: true });
  if (rows.length > 0) writeMatrix(rows.length === PULUMI_CELLS.length + KILL_CELLS.length + RESTART_CELLS.length);
}, 60_000);

/**
 * Prints the matrix; a full run (no `-t` filter) with KINETIC_WRITE_RELIABILITY=1 also writes
 * bench/results/reliability.md (never during plain `npm test`, which must not change tracked files).
 */
function writeMatrix(full: boolean) {
  const table = rows.sort((a, b) => a.n - b.n).map((r) => r.row);
  console.table(table);
  const cols = Object.keys(table[0]) as Array<keyof Row>;
  const md = [
    '# Reliability: the crash matrix',
    '',
    'Written by `KINETIC_WRITE_RELIABILITY=1 npx vitest run test/workflows/crash-matrix.int.test.ts` (issue 13, item 5). Each row is one',
    'decision on its own service and task queue: 2 → 6 instances through the fault-injecting provisioner, or',
    '0 → 4 real sample-service processes through `pulumi-local`. `worker SIGKILL`: the worker process running',
    "the decision is killed at that step (held there by the test fixture's `KINETIC_TEST_PAUSE_AT` hook, or",
    'mid-apply by the provisioner\'s apply delay / a running `pulumi up`; "checkpoint write torn": its `pulumi up`',
    'is killed too and the checkpoint\'s attributes file emptied, as a kill inside the checkpoint write left it) and a replacement worker process',
    'finishes it; steps that are local activities die inside their workflow task, which times out (10 s) and',
    'runs again on the replacement. `server restart`: the Temporal dev server (SQLite file) is stopped and',
    'started again while one decision applies and another waits for approval; the workers keep running.',
    'Fleet: instances after the decision (the plan when committed, the previous size when rolled back; never',
    'in between). Duplicates: effective applies beyond one (provisioner journal; pulumi-local: members beyond',
    'the plan, journal entries beyond one). Orphans: processes of the pool outside the final stack, and after',
    'its destroy. Lost records: decisions without exactly one audit record. Left reserved: reservations the',
    'budget authority still holds. Recovery: kill (or restart) to completion. Cell: the whole row, worker',
    'start-ups included; cells run five at a time on a shared 2-core machine, so times are loaded times.',
    '',
    `Run: ${new Date().toISOString().slice(0, 16)}Z, ${rows.length} cells, on a shared 2-core machine.`,
    '',
    `| ${cols.join(' | ')} |`,
    `|${cols.map(() => '---').join('|')}|`,
    ...table.map((r) => `| ${cols.map((c) => String(r[c])).join(' | ')} |`),
    '',
  ].join('\n');
  if (!full || !process.env.KINETIC_WRITE_RELIABILITY) return;
  mkdirSync(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(REPO_ROOT, 'bench', 'results', 'reliability.md'), md);
}

interface Setup {
  sb: Sandbox;
  service: string;
  taskQueue: string;
  kinetic: KineticClient;
  pauseDir: string;
}

let serial = 0;
function setupCell(cell: Cell): Setup {
  const service = `cm-${++serial}`;
  const sb = createSandbox('kinetic-crash-');
  sb.writeConfig({
    [service]: serviceConfig(sb.csv(service, flat(55)), {
      provisioner: { type: 'fault-injecting', initialInstances: INITIAL, applyDelayMs: cell.applyDelayMs ?? 0, failVerify: cell.failVerify ?? false },
      ...(cell.approval ? { approval: { autoApprove: { maxStepChange: 1 }, approvers: ['alice@example.com'], timeout: '120s' } } : {}),
    }),
  });
  const pauseDir = join(sb.dir, 'pause');
  mkdirSync(pauseDir);
  const taskQueue = `crash-${randomUUID()}`;
  return { sb, service, taskQueue, kinetic: new KineticClient(client, taskQueue), pauseDir };
}

async function waitFor(what: string, ok: () => Promise<boolean> | boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const stageOf = (s: Setup, id: string) => s.kinetic.getDecision(id).then((r) => r.stage, () => undefined);

/** Approves, retrying while no worker can take the update yet (the server or the worker restarting). */
async function approve(s: Setup, id: string) {
  await waitFor('the approval to be accepted', () => s.kinetic.approve(id, 'alice@example.com', 'crash matrix').then(() => true, () => false), 90_000);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`${what} did not finish within ${ms / 1000}s`)), ms))]);
}

/** Everything a cell asserts, gathered once the decision is done (a worker still runs: the book is a Query). */
async function facts(s: Setup, rec: DecisionRecord) {
  const fleet = new DryRunProvisioner({ stateRoot: s.sb.stateRoot, initialInstances: INITIAL }).readFleet(s.service);
  const mine = fleet.history.filter((h) => h.decisionId === rec.id);
  const book = await new BudgetAuthorityClient(client, s.taskQueue).book(`pool:${s.service}`);
  const audit = (await new FileAuditLog(s.sb.stateRoot).all()).filter((r) => r.id === rec.id);
  const history = await client.workflow.getHandle(rec.workflowId, rec.runId).fetchHistory();
  return {
    total: Object.values(fleet.tiers).reduce((a, b) => a + b, 0),
    tiers: fleet.tiers,
    applies: mine.filter((h) => h.kind === 'apply').length,
    partials: mine.filter((h) => h.kind === 'partial').length,
    rollbacks: mine.filter((h) => h.kind === 'rollback').length,
    reserved: book.reservations.length,
    closedAs: book.closed.find((c) => c.decisionId === rec.id)?.as,
    committedRate: book.committed[s.service],
    audit,
    events: history.events ?? [],
    orphans: processesUnder(s.sb.dir).length,
  };
}

function expectCommonInvariants(expect: ExpectStatic, cell: Cell, rec: DecisionRecord, f: Awaited<ReturnType<typeof facts>>) {
  expect(rec.outcome).toBe(cell.expected);
  if (cell.expected === 'committed') {
    expect(f.tiers).toEqual({ default: PLANNED });
    expect(f.rollbacks).toBe(0);
    expect(f.closedAs).toBe('committed');
    // The service's run-rate is now the new fleet's (6 × 0.1/h × 730.5 h), committed by this decision.
    expect(f.committedRate).toMatchObject({ decisionId: rec.id });
    expect(f.committedRate?.monthly).toBeCloseTo(PLANNED * 0.1 * 730.5, 6);
  } else {
    expect(f.tiers).toEqual({ default: INITIAL });
    expect(f.rollbacks).toBe(1);
    expect(f.closedAs).toBe('released');
    expect(f.committedRate?.decisionId).not.toBe(rec.id);
  }
  expect(f.applies).toBe(1);
  expect(f.partials).toBe(0);
  expect(f.reserved).toBe(0);
  expect(f.audit).toHaveLength(1);
  expect(f.audit[0].outcome).toBe(cell.expected);
  expect(f.orphans).toBe(0);
}

const identityOf = (pid: number) => `test-worker-${pid}`;
const activityName = (pause: string) => pause.split(':')[0];

function row(cell: Cell, rec: DecisionRecord, f: Awaited<ReturnType<typeof facts>>, recoveryMs: number, cellMs: number, note = ''): Row {
  return {
    step: cell.step + note,
    fault: cell.fault,
    outcome: rec.outcome ?? '?',
    fleet: `${f.total}${f.total === PLANNED ? ' (plan)' : f.total === INITIAL ? ' (previous)' : ' (IN BETWEEN)'}`,
    duplicates: Math.max(0, f.applies - 1),
    orphans: f.orphans,
    'lost records': f.audit.length === 1 ? 0 : 1,
    'left reserved': f.reserved,
    'recovery s': (recoveryMs / 1000).toFixed(1),
    'cell s': (cellMs / 1000).toFixed(1),
  };
}

/** Checks that the replacement took over where the worker died. */
function expectTakeover(expect: ExpectStatic, cell: Cell, events: HistoryEvent[], killed: number, replacement: number) {
  const completedBy = (e: HistoryEvent) => e.workflowTaskCompletedEventAttributes?.identity;
  if (cell.local) {
    // The worker died inside the workflow task running the local activity: that task timed out
    // and the replacement ran it again (the step's marker is the replacement's).
    const timedOut = events.findIndex((e) => e.workflowTaskTimedOutEventAttributes);
    expect(timedOut).toBeGreaterThan(0);
    const startedBefore = [...events.slice(0, timedOut)].reverse().find((e) => e.workflowTaskStartedEventAttributes);
    expect(startedBefore?.workflowTaskStartedEventAttributes?.identity).toBe(identityOf(killed));
    expect(events.slice(timedOut).some((e) => completedBy(e) === identityOf(replacement))).toBe(true);
    // Nothing the killed worker ran inside that task reached the history: the step's result is the replacement's.
    expect(events.slice(timedOut).some((e) => e.markerRecordedEventAttributes)).toBe(true);
  } else if (cell.pause) {
    // A regular activity: its attempt on the dead worker timed out (heartbeat) and the replacement
    // ran the retry.
    const name = activityName(cell.pause);
    const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === name)!;
    const started = events.find((e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId ?? '') === String(scheduled.eventId));
    expect(started?.activityTaskStartedEventAttributes?.attempt).toBeGreaterThanOrEqual(2);
    expect(started?.activityTaskStartedEventAttributes?.identity).toBe(identityOf(replacement));
  } else {
    // Waiting for approval: nothing ran; the replacement took the next workflow task.
    expect(events.some((e) => completedBy(e) === identityOf(killed))).toBe(true);
    expect(events.some((e) => completedBy(e) === identityOf(replacement))).toBe(true);
  }
}

async function runKillCell(cell: Cell, expect: ExpectStatic) {
      const t0 = Date.now();
      const s = setupCell(cell);
      const env = cell.pause ? { KINETIC_TEST_PAUSE_AT: cell.pause, KINETIC_TEST_PAUSE_DIR: s.pauseDir } : undefined;
      const first = await startWorkerProcess(s.taskQueue, s.sb.configPath, children, { address: server.address, env });
      const started = await s.kinetic.startDecision(s.service, { timeouts: { ...FAST_TIMEOUTS, ...cell.timeouts } });
      const id = started.decisionId;

      // Hold the decision at the step.
      if (cell.pause) await waitFor(`the worker to pause at ${cell.pause}`, () => existsSync(join(s.pauseDir, 'paused')));
      else if (cell.approval) await waitFor('the approval stage', async () => (await stageOf(s, id)) === 'approval');
      // The replacement starts first (no pause hook), then the worker dies at the step.
      const second = await startWorkerProcess(s.taskQueue, s.sb.configPath, children, { address: server.address });
      if (cell.release) {
        const fleet = new DryRunProvisioner({ stateRoot: s.sb.stateRoot, initialInstances: INITIAL });
        writeFileSync(join(s.pauseDir, 'release'), '');
        await waitFor('the apply to start', () => fleet.readFleet(s.service).applyStarted.includes(id));
        // Mid-apply: nothing landed yet.
        expect(fleet.readFleet(s.service).history).toEqual([]);
      }
      const killedAt = Date.now();
      await killWorker(first);
      if (cell.approval) await approve(s, id);
      const rec = await withTimeout(s.kinetic.waitForDecision(id), 120_000, `decision ${id}`);
      const recoveryMs = Date.now() - killedAt;

      const f = await facts(s, rec);
      rows.push({ n: KILL_CELLS.indexOf(cell), row: row(cell, rec, f, recoveryMs, Date.now() - t0) });
      expectCommonInvariants(expect, cell, rec, f);
      expectTakeover(expect, cell, f.events, first.pid!, second.pid!);
      if (cell.maxRecoverySeconds) expect(recoveryMs).toBeLessThan(cell.maxRecoverySeconds * 1000);
      await killWorker(second);
      rmSync(s.sb.dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- pulumi-local: real processes

interface PulumiCell {
  step: string;
  /** The fixture's pause, or undefined: kill as soon as the first new member runs (mid-`up`). */
  pause?: string;
  /**
   * Also SIGKILL the killed worker's `pulumi up` and empty the checkpoint's attributes sidecar
   * (`<stack>.json.attrs`), as a kill inside the engine's checkpoint write left it in CI: every
   * retry then failed with `failed to load checkpoint: EOF`.
   */
  tearCheckpoint?: boolean;
  basePort: number;
}

const PULUMI_CELLS: PulumiCell[] = [
  { step: 'apply mid-`up` (pulumi-local)', basePort: poolPort(PORT_BLOCKS.crashMatrix, 0) },
  { step: 'apply, landed, completion not reported (pulumi-local)', pause: 'applyCapacity:after', basePort: poolPort(PORT_BLOCKS.crashMatrix, 1) },
  { step: 'apply mid-`up`, checkpoint write torn (pulumi-local)', tearCheckpoint: true, basePort: poolPort(PORT_BLOCKS.crashMatrix, 2) },
];
/** Pids of the running `pulumi up` of the stack (the CLI the killed worker started). */
function upPidsFor(stack: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', `pulumi up .*--stack ${stack}( |$)`], { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}
const upRunningFor = (stack: string) => upPidsFor(stack).length > 0;

const PULUMI_PLANNED = 4; // flat demand 35, from 0 members
const PULUMI_TIMEOUTS = { stepSeconds: 60, forecastSeconds: 30, provisionSeconds: 180, heartbeatSeconds: 5, verifySeconds: 60 };

async function runPulumiCell(cell: PulumiCell, i: number, expect: ExpectStatic) {
      const t0 = Date.now();
      const service = `cm-pulumi-${i + 1}`;
      const sb = createSandbox('kinetic-crash-pulumi-');
      sb.writeConfig({
        [service]: serviceConfig(sb.csv(service, flat(35)), {
          minInstances: 0,
          provisioner: { type: 'pulumi-local', basePort: cell.basePort, loadBalancer: false, env: { SAMPLE_CPU_MS: '1' } },
        }),
      });
      const pauseDir = join(sb.dir, 'pause');
      mkdirSync(pauseDir);
      const taskQueue = `crash-${randomUUID()}`;
      const kinetic = new KineticClient(client, taskQueue);
      const env = cell.pause ? { KINETIC_TEST_PAUSE_AT: cell.pause, KINETIC_TEST_PAUSE_DIR: pauseDir } : undefined;
      const first = await startWorkerProcess(taskQueue, sb.configPath, children, { address: server.address, env });
      const { decisionId: id } = await kinetic.startDecision(service, { timeouts: PULUMI_TIMEOUTS });
      if (cell.pause) await waitFor(`the worker to pause at ${cell.pause}`, () => existsSync(join(pauseDir, 'paused')), 180_000);
      else await waitFor('`pulumi up` to start a member', () => membersUnder(sb.dir).length > 0, 180_000);
      const upRunning = upRunningFor(service);
      const killedAt = Date.now();
      await killWorker(first);
      const checkpointFile = join(sb.stateRoot, 'pulumi', 'state', '.pulumi', 'stacks', 'kinetic-local', `${service}.json`);
      if (cell.tearCheckpoint) {
        for (const pid of upPidsFor(service)) process.kill(pid, 'SIGKILL');
        await waitFor('the killed `pulumi up` to exit', () => !upRunningFor(service), 30_000);
        truncateSync(`${checkpointFile}.attrs`, 0);
      }
      const second = await startWorkerProcess(taskQueue, sb.configPath, children, { address: server.address });
      const rec = await withTimeout(kinetic.waitForDecision(id), 240_000, `decision ${id}`);
      const recoveryMs = Date.now() - killedAt;

      const stack = (rec.provisioning?.after?.details?.members ?? []) as Array<{ pid: number }>;
      const running = membersUnder(sb.dir).map((m) => m.pid);
      const journalDir = join(sb.stateRoot, 'pulumi', 'state', '.kinetic', 'journal', 'kinetic-local');
      const journal = JSON.parse(readFileSync(join(journalDir, `${service}.json`), 'utf8')) as Array<{ decisionId: string; previous: { total: number } }>;
      const book = await new BudgetAuthorityClient(client, taskQueue).book(`pool:${service}`);
      const audit = (await new FileAuditLog(sb.stateRoot).all()).filter((r) => r.id === id);
      const orphans = running.filter((pid) => !stack.some((m) => m.pid === pid)).length;
      const restoreFile = join(sb.stateRoot, 'pulumi', 'state', '.kinetic', 'restored', 'kinetic-local', `${service}.json`);
      const restore = existsSync(restoreFile) ? (JSON.parse(readFileSync(restoreFile, 'utf8')) as Record<string, unknown>) : undefined;
      // Tear the pool down: nothing of it may survive.
      await createPulumiLocalProvisioner({ rootDir: join(sb.stateRoot, 'pulumi') }).destroy(service);
      const afterDestroy = processesUnder(sb.dir).length;
      rows.push({
        n: 50 + i,
        row: {
          step: cell.step,
          fault: 'worker SIGKILL',
          outcome: rec.outcome ?? '?',
          fleet: `${running.length}${running.length === PULUMI_PLANNED ? ' (plan)' : running.length === 0 ? ' (previous)' : ' (IN BETWEEN)'}`,
          duplicates: Math.max(0, running.length - PULUMI_PLANNED) + Math.max(0, journal.filter((j) => j.decisionId === id).length - 1),
          orphans: orphans + afterDestroy,
          'lost records': audit.length === 1 ? 0 : 1,
          'left reserved': book.reservations.length,
          'recovery s': (recoveryMs / 1000).toFixed(1),
          'cell s': ((Date.now() - t0) / 1000).toFixed(1),
        },
      });
      // Mid-`up` really was mid-`up`; with the pause, the `up` had finished.
      expect(upRunning).toBe(!cell.pause);
      expect(rec.outcome).toBe('committed');
      expect(rec.verification).toMatchObject({ ok: true, expected: PULUMI_PLANNED, healthy: PULUMI_PLANNED });
      // The plan's members and nothing else: none duplicated by the killed attempt, none orphaned.
      expect(running.sort()).toEqual(stack.map((m) => m.pid).sort());
      expect(running).toHaveLength(PULUMI_PLANNED);
      // One effective apply: the journal holds the state from before the first attempt, once.
      expect(journal.filter((j) => j.decisionId === id).map((j) => j.previous.total)).toEqual([0]);
      expect(rec.provisioning?.before?.total).toBe(0);
      expect(book.reservations).toEqual([]);
      expect(book.closed.find((c) => c.decisionId === id)?.as).toBe('committed');
      expect(audit).toHaveLength(1);
      expect(afterDestroy).toBe(0);
      // The torn checkpoint was repaired (and the stack with it); the others never needed it.
      if (cell.tearCheckpoint) expect(restore).toMatchObject({ file: checkpointFile, problem: 'its attributes file is empty', repairedAt: expect.any(String) });
      else expect(restore).toBeUndefined();
      await killWorker(second);
      rmSync(sb.dir, { recursive: true, force: true });
}

// Cells are independent (own service, task queue, state): they run a few at a time, the slow
// pulumi-local ones first.
describe.concurrent('crash matrix: worker SIGKILL', () => {
  for (const [i, cell] of PULUMI_CELLS.entries()) {
    it(`at ${cell.step}: committed once, no duplicate or orphan process`, ({ expect }) => runPulumiCell(cell, i, expect), 420_000);
  }
  for (const cell of KILL_CELLS) {
    it(`at ${cell.step}: the decision completes once (${cell.expected})`, ({ expect }) => runKillCell(cell, expect), 180_000);
  }
});

const RESTART_CELLS: Cell[] = [
  { step: 'apply (in progress)', fault: 'server restart', applyDelayMs: 8000, expected: 'committed' },
  { step: 'awaiting approval', fault: 'server restart', approval: true, expected: 'committed' },
];

describe('crash matrix: Temporal dev server restart', () => {
  it('restarted mid-apply and mid-approval (state in SQLite): both decisions complete once', async ({ expect }) => {
    const t0 = Date.now();
    const [apply, approval] = RESTART_CELLS.map((cell) => ({ cell, s: setupCell(cell) }));
    const workers = await Promise.all(
      [apply, approval].map(({ s }) => startWorkerProcess(s.taskQueue, s.sb.configPath, children, { address: server.address })),
    );
    const [a, b] = await Promise.all([apply, approval].map(({ s }) => s.kinetic.startDecision(s.service, { timeouts: FAST_TIMEOUTS })));
    const fleetA = new DryRunProvisioner({ stateRoot: apply.s.sb.stateRoot, initialInstances: INITIAL });
    await waitFor('the apply to start', () => fleetA.readFleet(apply.s.service).applyStarted.includes(a.decisionId));
    await waitFor('the approval stage', async () => (await stageOf(approval.s, b.decisionId)) === 'approval');
    expect(fleetA.readFleet(apply.s.service).history).toEqual([]); // mid-apply

    const restartedAt = Date.now();
    const downMs = await server.restart();
    await approve(approval.s, b.decisionId);
    const recs = await Promise.all(
      [a, b].map(({ decisionId }, i) => withTimeout([apply, approval][i].s.kinetic.waitForDecision(decisionId), 120_000, `decision ${decisionId}`)),
    );
    const recoveryMs = Date.now() - restartedAt;
    for (const [i, { cell, s }] of [apply, approval].entries()) {
      const f = await facts(s, recs[i]);
      rows.push({ n: 100 + i, row: row(cell, recs[i], f, recoveryMs, Date.now() - t0, ` (down ${(downMs / 1000).toFixed(1)} s)`) });
      expectCommonInvariants(expect, cell, recs[i], f);
      // The worker outlived the restart and finished its decision itself.
      expect(workers[i].exitCode).toBe(null);
      expect(f.events.some((e) => e.workflowTaskCompletedEventAttributes?.identity === identityOf(workers[i].pid!))).toBe(true);
    }
    await Promise.all(workers.map(killWorker));
    for (const { s } of [apply, approval]) rmSync(s.sb.dir, { recursive: true, force: true });
  }, 240_000);
});

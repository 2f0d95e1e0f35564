/**
 * Provisioner `pulumi-local`: changes a REAL local fleet through the Pulumi Automation API.
 *
 * - One stack per service (stack name = service), project `kinetic-local` (configurable), inline
 *   program (`provisioners/pulumi-local/program.ts`): one `LocalPool` per tier + one
 *   `LocalLoadBalancer`, all dynamic resources that start/stop detached OS processes.
 * - `file://` DIY backend under `<rootDir>/state`, stable work dir `<rootDir>/work/<service>`,
 *   PULUMI_HOME `<repo>/.kinetic/pulumi/home`, passphrase from PULUMI_CONFIG_PASSPHRASE(_FILE) or a
 *   generated `<rootDir>/passphrase`; no plugin download, no update check.
 * - `apply` sets config (`kinetic:tiers`, `kinetic:spec`, `kinetic:decisionId`) and runs `up`
 *   (with `--refresh` by default) while heartbeating engine events and honouring `ctx.signal`.
 *   Re-running the same plan is a no-op (`changed: false`); the `previous` state of a decision is
 *   journaled by decisionId, so an activity retry still returns the state before the first attempt.
 * - Stack locks: before every engine run, lock files whose holder pid is dead on this host are
 *   deleted (then `refresh --clear-pending-creates` repairs the state and orphaned members are
 *   reaped); a live holder is waited on (polling, heartbeating, cancellable) up to `lockTimeoutMs`.
 * - `verify`: every member answers the health path within `verifyTimeoutMs`, and the load
 *   balancer's `/lb/members` lists every member as healthy.
 *
 * Usage:
 *   const p = createPulumiLocalProvisioner({ services: { web: { basePort: 19101 } } });
 *   const { previous } = await p.apply({ decisionId: 'd1', service: 'web', tiers: { default: 3 }, total: 3 });
 *   const v = await p.verify(plan); if (!v.ok) await p.rollback(previous);
 *
 * See `PulumiLocalOptions` and `LocalServiceOptions` for every option.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import {
  ConcurrentUpdateError,
  LocalWorkspace,
  StackNotFoundError,
  type EngineEvent,
  type OutputMap,
  type Stack,
} from '@pulumi/pulumi/automation';
import {
  noopProvisionContext,
  sumTiers,
  type ApplyResult,
  type CapacityPlan,
  type CapacityState,
  type ProvisionContext,
  type Provisioner,
  type TierReplicas,
  type VerifyResult,
} from './contract';
import { cliEnv, ensureShim, pulumiCommand, resolvePaths, type PulumiPaths } from './pulumi-local/env';
import { clearStaleLocks, listStackLocks, pidAlive, type StackLock } from './pulumi-local/locks';
import { serviceProgram, type ResolvedServiceSpec } from './pulumi-local/program';
import { EXAMPLES, type PoolMember } from '../pulumi/local-pool';

/** Per-service settings. Every field is optional; see the defaults. */
export interface LocalServiceOptions {
  /** argv of one member (default `['node', <repo>/examples/sample-service/server.js]`). */
  command?: string[];
  /** Extra environment of members (e.g. `{ SAMPLE_CPU_MS: '20' }`). */
  env?: Record<string, string>;
  /** Health path of members (default `/healthz`). */
  healthPath?: string;
  /** Listen address of members and balancer (default 127.0.0.1). */
  host?: string;
  /** First member port (default: 20001 + 1000 * (hash(service) % 40)); the balancer gets basePort - 1. */
  basePort?: number;
  /** Ports reserved per tier (default 100): tier slot k starts at basePort + k * portsPerTier. */
  portsPerTier?: number;
  /** Tier order for port blocks (default `['default']`). */
  tierOrder?: string[];
  /** Load balancer: `false` for none; default `{ port: basePort - 1 }` running examples/load-balancer/lb.js. */
  loadBalancer?: false | { port?: number; command?: string[] };
  /** Drain time between leaving the membership and SIGTERM (default 600 ms; the balancer polls every 250 ms). */
  drainMs?: number;
  /** SIGTERM → SIGKILL grace period (default 5000 ms). */
  graceMs?: number;
  /** A member must accept TCP connections within this time (default 15000 ms). */
  startTimeoutMs?: number;
}

export interface PulumiLocalOptions {
  /** Repository root (default: resolved from this file). Plugins run with this cwd so they resolve `@pulumi/pulumi`. */
  repoRoot?: string;
  /**
   * Root of everything written: `state/` (backend), `work/<service>/` (workspace), `pools/<service>/`
   * (logs, membership files), `bin/` (shim link), `passphrase`. Default `<repo>/.kinetic/pulumi`.
   * Tests pass a temp dir.
   */
  rootDir?: string;
  /** Pulumi CLI (default `$KINETIC_PULUMI_BIN` or `<repo>/.tools/bin/pulumi`). */
  pulumiBin?: string;
  /** PULUMI_HOME (default `<repo>/.kinetic/pulumi/home`). */
  pulumiHome?: string;
  /** Pulumi project name (default `kinetic-local`). */
  projectName?: string;
  /** Settings per service name; unknown services use `defaults`. */
  services?: Record<string, LocalServiceOptions>;
  /** Settings shared by all services (merged under `services[name]`). */
  defaults?: LocalServiceOptions;
  /** Run `up --refresh` so dead members are noticed in state before the update (default true). */
  refreshOnApply?: boolean;
  /** Max time to wait for a live stack lock (default 600000 ms). */
  lockTimeoutMs?: number;
  /** Poll interval while waiting for a lock (default 250 ms). */
  lockPollMs?: number;
  /** Verification deadline (default 15000 ms). */
  verifyTimeoutMs?: number;
  /** Engine parallelism (default: Pulumi's). */
  parallel?: number;
  /** Diagnostic log sink (default: none). Receives lock handling and summary lines. */
  log?: (line: string) => void;
  /** Receives the raw engine output (stdout) of every operation. */
  onOutput?: (text: string) => void;
}

/** Counters and timings of the last operations, for tests and benchmarks. */
export interface PulumiLocalStats {
  lastOp?: { op: string; service: string; ms: number; engineEvents: number };
  staleLocksCleared: number;
  lockWaits: number;
  lockWaitMs: number;
  orphansReaped: number;
}

export interface PulumiLocalProvisioner extends Provisioner {
  readonly kind: 'pulumi-local';
  readonly paths: PulumiPaths;
  readonly stats: PulumiLocalStats;
  /** `pulumi destroy` of the service stack (stops every process) and removal of the stack. */
  destroy(service: string, ctx?: ProvisionContext): Promise<void>;
  /** Refresh the stack: notices dead members; returns the member list that still runs. */
  refresh(service: string, ctx?: ProvisionContext): Promise<CapacityState>;
  /** Resolved spec of a service (ports, command). */
  spec(service: string): ResolvedServiceSpec;
  /** Current stack lock files of a service. */
  locks(service: string): StackLock[];
}

const SKIP_TYPES = new Set(['pulumi:pulumi:Stack', 'pulumi:providers:pulumi-nodejs']);

interface StackOutputsView {
  exists: boolean;
  decisionId: string;
  pools: Record<string, { replicas: number; members: PoolMember[]; membersFile: string; basePort: number }>;
  loadBalancer: { url: string; pid: number; port: number } | null;
}

function viewOutputs(out: OutputMap | undefined): StackOutputsView {
  const pools = (out?.pools?.value ?? {}) as StackOutputsView['pools'];
  return {
    exists: out !== undefined,
    decisionId: String(out?.decisionId?.value ?? ''),
    pools,
    loadBalancer: (out?.loadBalancer?.value ?? null) as StackOutputsView['loadBalancer'],
  };
}

function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason = signal?.reason;
  const err = reason instanceof Error ? reason : new Error(`cancelled${reason ? `: ${String(reason)}` : ''}`);
  if (!(reason instanceof Error)) err.name = 'AbortError';
  return err;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(abortError(signal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function httpGet(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** Processes whose environment says they belong to `poolDir` (members and the balancer). */
export function processesOfPoolDir(poolDir: string): number[] {
  const needle = `KINETIC_POOL_DIR=${poolDir}\0`;
  const pids: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const pid = Number(d);
    if (pid === process.pid) continue;
    try {
      const env = fs.readFileSync(`/proc/${d}/environ`, 'latin1');
      if (env.includes(needle) && pidAlive(pid)) pids.push(pid);
    } catch {
      // gone or not ours
    }
  }
  return pids;
}

function changesOf(summary: Record<string, number> | undefined): number {
  if (!summary) return 0;
  return Object.entries(summary)
    .filter(([k]) => k !== 'same')
    .reduce((a, [, v]) => a + (v ?? 0), 0);
}

interface JournalEntry {
  decisionId: string;
  previous: CapacityState;
  at: string;
}

export function createPulumiLocalProvisioner(options: PulumiLocalOptions = {}): PulumiLocalProvisioner {
  const paths = resolvePaths(options);
  const projectName = options.projectName ?? 'kinetic-local';
  const refreshOnApply = options.refreshOnApply ?? true;
  const lockTimeoutMs = options.lockTimeoutMs ?? 600_000;
  const lockPollMs = options.lockPollMs ?? 250;
  const verifyTimeoutMs = options.verifyTimeoutMs ?? 15_000;
  const log = options.log ?? (() => undefined);
  const stats: PulumiLocalStats = { staleLocksCleared: 0, lockWaits: 0, lockWaitMs: 0, orphansReaped: 0 };
  const stacks = new Map<string, Promise<Stack>>();

  function spec(service: string): ResolvedServiceSpec {
    const o: LocalServiceOptions = { ...options.defaults, ...options.services?.[service] };
    const basePort = o.basePort ?? 20_001 + 1000 * (fnv(service) % 40);
    const lb = o.loadBalancer === false ? null : { port: o.loadBalancer?.port ?? basePort - 1, command: o.loadBalancer?.command ?? ['node', EXAMPLES.loadBalancer] };
    return {
      service,
      command: o.command ?? ['node', EXAMPLES.sampleService],
      env: o.env ?? {},
      healthPath: o.healthPath ?? '/healthz',
      host: o.host ?? '127.0.0.1',
      basePort,
      portsPerTier: o.portsPerTier ?? 100,
      tierOrder: o.tierOrder ?? ['default'],
      stateDir: path.join(paths.poolsRoot, service),
      drainMs: o.drainMs ?? 600,
      graceMs: o.graceMs ?? 5_000,
      startTimeoutMs: o.startTimeoutMs ?? 15_000,
      loadBalancer: lb,
    };
  }

  function workDir(service: string): string {
    return path.join(paths.workRoot, service);
  }

  function checkService(service: string): void {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(service)) throw new Error(`invalid service name for a stack: ${JSON.stringify(service)}`);
  }

  async function workspaceOpts(service: string) {
    ensureShim(paths);
    const dir = workDir(service);
    fs.mkdirSync(dir, { recursive: true });
    fs.mkdirSync(paths.backendDir, { recursive: true });
    fs.mkdirSync(paths.pulumiHome, { recursive: true });
    return {
      workDir: dir,
      pulumiHome: paths.pulumiHome,
      pulumiCommand: await pulumiCommand(paths),
      envVars: cliEnv(paths),
      // main = repo root: the engine starts plugins (the dynamic provider) in this directory, so
      // `require('@pulumi/pulumi/...')` in the shim resolves.
      projectSettings: { name: projectName, runtime: 'nodejs' as const, main: paths.repoRoot, backend: { url: `file://${paths.backendDir}` } },
    };
  }

  function getStack(service: string): Promise<Stack> {
    checkService(service);
    let p = stacks.get(service);
    if (!p) {
      p = (async () => {
        const opts = await workspaceOpts(service);
        const stack = await LocalWorkspace.createOrSelectStack({ projectName, stackName: service, program: serviceProgram() }, opts);
        return stack;
      })();
      p.catch(() => stacks.delete(service));
      stacks.set(service, p);
    }
    return p;
  }

  /** The stack if it exists, without creating it. */
  async function findStack(service: string): Promise<Stack | undefined> {
    checkService(service);
    if (stacks.has(service)) return getStack(service);
    try {
      const opts = await workspaceOpts(service);
      const stack = await LocalWorkspace.selectStack({ projectName, stackName: service, program: serviceProgram() }, opts);
      stacks.set(service, Promise.resolve(stack));
      return stack;
    } catch (err) {
      if (err instanceof StackNotFoundError || /no stack named|not found/i.test(String(err))) return undefined;
      throw err;
    }
  }

  /**
   * Clears stale locks and waits for live ones. Returns true when a stale lock was removed (the
   * caller then repairs pending operations).
   */
  async function awaitLocks(service: string, ctx: ProvisionContext): Promise<boolean> {
    const started = Date.now();
    let waited = false;
    let clearedAny = false;
    for (;;) {
      const removed = clearStaleLocks(paths.backendDir, projectName, service);
      for (const l of removed) {
        stats.staleLocksCleared++;
        clearedAny = true;
        log(`[pulumi-local] ${service}: cleared stale lock ${path.basename(l.file)} held by dead pid ${l.pid}@${l.hostname} since ${l.timestamp}`);
      }
      const live = listStackLocks(paths.backendDir, projectName, service).filter((l) => l.alive);
      if (live.length === 0) {
        if (waited) {
          const ms = Date.now() - started;
          stats.lockWaitMs += ms;
          log(`[pulumi-local] ${service}: lock released after ${ms} ms`);
        }
        return clearedAny;
      }
      if (!waited) {
        waited = true;
        stats.lockWaits++;
        log(`[pulumi-local] ${service}: stack locked by ${live.map((l) => `pid ${l.pid}@${l.hostname}`).join(', ')}; waiting`);
      }
      if (Date.now() - started > lockTimeoutMs) {
        throw new Error(`stack ${service} still locked after ${lockTimeoutMs} ms by ${live.map((l) => `pid ${l.pid}@${l.hostname} (${l.file})`).join(', ')}`);
      }
      ctx.heartbeat({ op: 'waiting-for-lock', service, holders: live.map((l) => ({ pid: l.pid, host: l.hostname, since: l.timestamp })) });
      await sleep(lockPollMs, ctx.signal);
    }
  }

  /** Kill processes of the pool dir that the stack does not know about (left by a killed create). */
  function reapOrphans(service: string, view: StackOutputsView): number {
    const known = new Set<number>();
    for (const pool of Object.values(view.pools)) for (const m of pool.members ?? []) known.add(m.pid);
    if (view.loadBalancer?.pid) known.add(view.loadBalancer.pid);
    let n = 0;
    for (const pid of processesOfPoolDir(spec(service).stateDir)) {
      if (known.has(pid)) continue;
      try {
        process.kill(pid, 'SIGKILL');
        n++;
        log(`[pulumi-local] ${service}: reaped orphan process ${pid}`);
      } catch {
        // already gone
      }
    }
    stats.orphansReaped += n;
    return n;
  }

  /** Runs one engine operation with lock handling; retries after ConcurrentUpdateError. */
  async function locked<T>(service: string, op: string, ctx: ProvisionContext, run: (stack: Stack) => Promise<T>): Promise<T> {
    const stack = await getStack(service);
    const deadline = Date.now() + lockTimeoutMs;
    for (;;) {
      if (ctx.signal?.aborted) throw abortError(ctx.signal);
      const cleared = await awaitLocks(service, ctx);
      if (cleared) {
        // A dead holder may have left pending operations (e.g. a create that never finished).
        await stack.refresh({ clearPendingCreates: true, signal: ctx.signal, onOutput: options.onOutput });
        reapOrphans(service, viewOutputs(await stack.outputs()));
      }
      try {
        return await run(stack);
      } catch (err) {
        if (err instanceof ConcurrentUpdateError && Date.now() < deadline) {
          log(`[pulumi-local] ${service}: ${op} hit a stack lock; retrying`);
          await sleep(lockPollMs, ctx.signal);
          continue;
        }
        throw err;
      }
    }
  }

  function eventHandler(service: string, op: string, ctx: ProvisionContext, counter: { n: number }) {
    return (e: EngineEvent) => {
      counter.n++;
      const meta = e.resourcePreEvent?.metadata ?? e.resOutputsEvent?.metadata;
      ctx.heartbeat({
        op,
        service,
        seq: e.sequence,
        event: Object.keys(e).find((k) => k.endsWith('Event')),
        resource: meta && !SKIP_TYPES.has(meta.type) ? `${meta.op} ${meta.urn.split('::').pop()}` : undefined,
      });
    };
  }

  function journalFile(service: string): string {
    return path.join(workDir(service), 'decisions.json');
  }
  function readJournal(service: string): JournalEntry[] {
    try {
      return JSON.parse(fs.readFileSync(journalFile(service), 'utf8')) as JournalEntry[];
    } catch {
      return [];
    }
  }
  function writeJournal(service: string, entries: JournalEntry[]): void {
    const file = journalFile(service);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(entries.slice(-50), null, 2));
    fs.renameSync(`${file}.tmp`, file);
  }

  /** State from outputs. `live` counts members that run now (checked in /proc); else desired replicas. */
  function stateOf(service: string, view: StackOutputsView, live: boolean): CapacityState {
    const tiers: TierReplicas = {};
    const desired: TierReplicas = {};
    const members: Array<PoolMember & { tier: string; alive: boolean }> = [];
    for (const [tier, pool] of Object.entries(view.pools)) {
      desired[tier] = pool.replicas;
      const ms = (pool.members ?? []).map((m) => ({ ...m, tier, alive: pidAlive(m.pid) }));
      members.push(...ms);
      tiers[tier] = live ? ms.filter((m) => m.alive).length : pool.replicas;
    }
    return {
      service,
      tiers,
      total: sumTiers(tiers),
      details: {
        provisioner: 'pulumi-local',
        stackExists: view.exists,
        desired,
        decisionId: view.decisionId,
        members: members.map((m) => ({ id: m.id, tier: m.tier, pid: m.pid, port: m.port, alive: m.alive, startedAt: m.startedAt })),
        loadBalancer: view.loadBalancer,
      },
    };
  }

  async function outputsView(service: string): Promise<StackOutputsView> {
    const stack = await findStack(service);
    if (!stack) return { exists: false, decisionId: '', pools: {}, loadBalancer: null };
    return viewOutputs(await stack.outputs());
  }

  function validatePlan(plan: CapacityPlan): void {
    checkService(plan.service);
    for (const [tier, n] of Object.entries(plan.tiers)) {
      if (!/^[A-Za-z0-9._-]+$/.test(tier)) throw new Error(`invalid tier name ${JSON.stringify(tier)}`);
      if (!Number.isInteger(n) || n < 0) throw new Error(`invalid replicas for tier ${tier}: ${n}`);
    }
  }

  async function setConfig(stack: Stack, service: string, tiers: TierReplicas, decisionId: string): Promise<void> {
    await stack.setAllConfig({
      'kinetic:tiers': { value: JSON.stringify(tiers) },
      'kinetic:spec': { value: JSON.stringify(spec(service)) },
      'kinetic:decisionId': { value: decisionId },
    });
  }

  async function refreshState(service: string, ctx: ProvisionContext): Promise<CapacityState> {
    const stack = await findStack(service);
    if (!stack) return stateOf(service, { exists: false, decisionId: '', pools: {}, loadBalancer: null }, true);
    const counter = { n: 0 };
    const t0 = Date.now();
    await locked(service, 'refresh', ctx, (s) =>
      s.refresh({ onEvent: eventHandler(service, 'refresh', ctx, counter), signal: ctx.signal, onOutput: options.onOutput }),
    );
    stats.lastOp = { op: 'refresh', service, ms: Date.now() - t0, engineEvents: counter.n };
    return stateOf(service, viewOutputs(await stack.outputs()), true);
  }

  const provisioner: PulumiLocalProvisioner = {
    kind: 'pulumi-local',
    paths,
    stats,
    spec,

    locks(service) {
      return listStackLocks(paths.backendDir, projectName, service);
    },

    current(service) {
      return refreshState(service, noopProvisionContext);
    },

    refresh(service, ctx = noopProvisionContext) {
      return refreshState(service, ctx);
    },

    async preview(plan) {
      validatePlan(plan);
      const before = await outputsView(plan.service);
      const stack = await getStack(plan.service);
      const prevConfig = await stack.getAllConfig();
      await setConfig(stack, plan.service, plan.tiers, plan.decisionId);
      try {
        const program = serviceProgram({ tiers: plan.tiers, spec: spec(plan.service), decisionId: plan.decisionId });
        const res = await locked(plan.service, 'preview', noopProvisionContext, (s) => s.preview({ program, onOutput: options.onOutput }));
        const changes = changesOf(res.changeSummary as Record<string, number>);
        const from = stateOf(plan.service, before, false).tiers;
        const tiers = [...new Set([...Object.keys(from), ...Object.keys(plan.tiers)])].sort();
        const moves = tiers.filter((t) => (from[t] ?? 0) !== (plan.tiers[t] ?? 0)).map((t) => `${t} ${from[t] ?? 0}→${plan.tiers[t] ?? 0}`);
        return {
          changes,
          summary: changes === 0 ? `no changes (${plan.service})` : `${plan.service}: ${moves.join(', ') || 'repair drift'}; engine: ${JSON.stringify(res.changeSummary)}`,
        };
      } finally {
        // Preview must not leave its config behind for a later `up`.
        if (Object.keys(prevConfig).length > 0) {
          await stack.removeAllConfig(['kinetic:tiers', 'kinetic:spec', 'kinetic:decisionId']);
          await stack.setAllConfig(prevConfig);
        }
      }
    },

    async apply(plan, ctx = noopProvisionContext) {
      validatePlan(plan);
      if (ctx.signal?.aborted) throw abortError(ctx.signal);
      const service = plan.service;
      const t0 = Date.now();
      const stack = await getStack(service);
      // previous: journaled per decision so that a retried activity still returns the state from
      // before its first attempt.
      const journal = readJournal(service);
      let entry = journal.find((j) => j.decisionId === plan.decisionId);
      if (!entry) {
        const before = viewOutputs(await stack.outputs());
        entry = { decisionId: plan.decisionId, previous: stateOf(service, before, false), at: new Date().toISOString() };
        writeJournal(service, [...journal, entry]);
      }
      await setConfig(stack, service, plan.tiers, plan.decisionId);
      const counter = { n: 0 };
      ctx.heartbeat({ op: 'up', service, stage: 'starting' });
      const program = serviceProgram({ tiers: plan.tiers, spec: spec(service), decisionId: plan.decisionId });
      const res = await locked(service, 'up', ctx, (s) =>
        s.up({
          program,
          refresh: refreshOnApply,
          onEvent: eventHandler(service, 'up', ctx, counter),
          onOutput: options.onOutput,
          signal: ctx.signal,
          parallel: options.parallel,
        }),
      );
      const ms = Date.now() - t0;
      stats.lastOp = { op: 'up', service, ms, engineEvents: counter.n };
      const applied = stateOf(service, viewOutputs(res.outputs), true);
      const changes = changesOf(res.summary.resourceChanges as Record<string, number> | undefined);
      const changed = changes > 0;
      const summary = `${service}: ${JSON.stringify(entry.previous.tiers)} → ${JSON.stringify(applied.tiers)}; engine ${JSON.stringify(
        res.summary.resourceChanges ?? {},
      )} in ${ms} ms`;
      log(`[pulumi-local] apply ${plan.decisionId}: ${summary}`);
      return { applied, previous: entry.previous, changed, summary } satisfies ApplyResult;
    },

    async rollback(previous, ctx = noopProvisionContext) {
      const plan: CapacityPlan = {
        decisionId: `rollback:${String(previous.details?.decisionId ?? '')}:${JSON.stringify(previous.tiers)}`,
        service: previous.service,
        tiers: previous.tiers,
        total: sumTiers(previous.tiers),
      };
      const res = await provisioner.apply(plan, ctx);
      return res.applied;
    },

    async verify(plan, ctx = noopProvisionContext) {
      const view = await outputsView(plan.service);
      const reasons: string[] = [];
      const expected = plan.total;
      const members: Array<PoolMember & { tier: string }> = [];
      for (const [tier, want] of Object.entries(plan.tiers)) {
        const pool = view.pools[tier];
        const have = pool?.members ?? [];
        if (have.length !== want) reasons.push(`tier ${tier}: ${have.length} member(s) in the stack, plan wants ${want}`);
        members.push(...have.map((m) => ({ ...m, tier })));
      }
      for (const tier of Object.keys(view.pools)) {
        if (!(tier in plan.tiers)) reasons.push(`tier ${tier} exists but is not in the plan`);
      }
      const healthPath = spec(plan.service).healthPath;
      const deadline = Date.now() + verifyTimeoutMs;
      const healthy = new Set<string>();
      const lastErr = new Map<string, string>();
      // Every member must answer the health path (retried until the deadline).
      while (healthy.size < members.length && Date.now() < deadline) {
        if (ctx.signal?.aborted) throw abortError(ctx.signal);
        await Promise.all(
          members
            .filter((m) => !healthy.has(m.id))
            .map(async (m) => {
              try {
                const r = await httpGet(`http://${m.host}:${m.port}${healthPath}`, 1_000);
                if (r.status >= 200 && r.status < 300) healthy.add(m.id);
                else lastErr.set(m.id, `HTTP ${r.status} ${r.body.trim()}`);
              } catch (err) {
                lastErr.set(m.id, (err as Error).message);
              }
            }),
        );
        ctx.heartbeat({ op: 'verify', service: plan.service, healthy: healthy.size, expected });
        if (healthy.size < members.length) await sleep(200, ctx.signal);
      }
      for (const m of members) {
        if (!healthy.has(m.id)) reasons.push(`member ${m.id} (pid ${m.pid}, port ${m.port}) unhealthy: ${lastErr.get(m.id) ?? 'no answer'}`);
      }
      // The balancer must list every member as healthy.
      const lbSpec = spec(plan.service).loadBalancer;
      let lbSeen = 0;
      if (lbSpec && expected > 0) {
        const url = view.loadBalancer?.url ?? `http://${spec(plan.service).host}:${lbSpec.port}`;
        let lastLbErr = '';
        const want = new Set(members.map((m) => m.port));
        do {
          try {
            const r = await httpGet(`${url}/lb/members`, 1_000);
            const doc = JSON.parse(r.body) as { members: Array<{ port: number; healthy: boolean }> };
            lbSeen = doc.members.filter((m) => want.has(m.port) && m.healthy).length;
            const listed = doc.members.filter((m) => want.has(m.port)).length;
            lastLbErr = `balancer lists ${listed}/${want.size} member(s), ${lbSeen} healthy`;
            if (lbSeen === want.size || want.size !== expected) break;
          } catch (err) {
            lastLbErr = `balancer ${url} unreachable: ${(err as Error).message}`;
          }
          if (Date.now() >= deadline) break;
          await sleep(200, ctx.signal);
        } while (Date.now() < deadline);
        if (lbSeen !== expected) reasons.push(lastLbErr);
      }
      return { ok: reasons.length === 0 && healthy.size === expected, expected, healthy: healthy.size, reasons } satisfies VerifyResult;
    },

    async destroy(service, ctx = noopProvisionContext) {
      const stack = await findStack(service);
      if (!stack) return;
      await locked(service, 'destroy', ctx, (s) => s.destroy({ signal: ctx.signal, onOutput: options.onOutput }));
      await stack.workspace.removeStack(service);
      stacks.delete(service);
      fs.rmSync(journalFile(service), { force: true });
    },
  };
  return provisioner;
}

/**
 * Provisioner `pulumi-local`: changes a REAL local fleet through the Pulumi Automation API.
 *
 * - One stack per service (stack name = service), project `kinetic-local` (configurable), inline
 *   program (`provisioners/pulumi-local/program.ts`): one `LocalPool` per tier + one
 *   `LocalLoadBalancer`, all dynamic resources that start/stop detached OS processes.
 * - DIY backend `file://<rootDir>/state` by default, or `backend` (any `file://` directory, or an
 *   S3-compatible bucket: provisioners/pulumi/backend.ts); stable work dir `<rootDir>/work/<service>`,
 *   PULUMI_HOME `<repo>/.kinetic/pulumi/home`, passphrase from PULUMI_CONFIG_PASSPHRASE(_FILE) or a
 *   generated `<rootDir>/passphrase`; no plugin download, no update check.
 * - `apply` sets config (`kinetic:tiers`, `kinetic:spec`, `kinetic:decisionId`) and runs `up`
 *   (with `--refresh` by default) while heartbeating engine events and honouring `ctx.signal`.
 *   Re-running the same plan is a no-op (`changed: false`); the `previous` state of a decision is
 *   journaled by decisionId, so an activity retry still returns the state before the first attempt.
 * - Stack locks (provisioners/pulumi/stack-lock.ts): before every engine run, locks whose holder is provably gone are
 *   deleted — a dead pid on this host, or on another host a worker that stopped renewing its owner
 *   record (then `refresh --clear-pending-creates` repairs the state and orphaned members are
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
import YAML from 'yaml';
import {
  LocalWorkspace,
  StackNotFoundError,
  type EngineEvent,
  type OutputMap,
  type Stack,
  type UpdateSummary,
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
} from '../contract';
import { ProvisionError } from '../errors';
import { cliEnv, ensureShim, pulumiCommand, resolvePaths, stateBackend, type PulumiPaths } from '../pulumi/env';
import type { PulumiStackOptions } from '../pulumi/service-stack';
import { listStackLocks, pidAlive, type StackLock } from '../pulumi/locks';
import { serviceProgram, type ResolvedServiceSpec } from './program';
import { EXAMPLES, type PoolMember } from '../../pulumi/local-pool';
import { abortError, changesOf, sleep } from '../../cloud/abortable-sleep';
import { awaitStackLocks, runLocked, type StackLockOptions } from '../pulumi/stack-lock';
import { repairCheckpoint } from '../pulumi/checkpoint-repair';
import { readJournal, removeJournal, writeJournal } from '../pulumi/stack-journal';
import { latestHistory as readLatestHistory, pendingOperations, readCheckpoint, rootOutputs, stackExists } from '../pulumi/stack-state';
import { pulumiUpSpan } from '../pulumi/span';

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

/** Shared options (provisioners/pulumi/service-stack.ts); here rootDir is optional and the lock poll defaults to 250 ms. */
export interface PulumiLocalOptions extends Omit<PulumiStackOptions, 'rootDir'> {
  /**
   * Root of everything written: `state/` (backend), `work/<service>/` (workspace), `pools/<service>/`
   * (logs, membership files), `bin/` (shim link), no passphrase (provisioners/pulumi/passphrase.ts). Default `<repo>/.kinetic/pulumi`.
   * Tests pass a temp dir. Plugins run with `repoRoot` as cwd so they resolve `@pulumi/pulumi`.
   */
  rootDir?: string;
  /** Settings per service name; unknown services use `defaults`. */
  services?: Record<string, LocalServiceOptions>;
  /** Settings shared by all services (merged under `services[name]`). */
  defaults?: LocalServiceOptions;
  /**
   * Run `up --refresh` (default false). Not needed for correctness: the LocalPool `diff`/`update`
   * check every recorded pid in /proc, so an `up` repairs dead members anyway; a refresh costs an
   * extra engine pass (~2 s here).
   */
  refreshOnApply?: boolean;
  /** Verification deadline (default 15000 ms). */
  verifyTimeoutMs?: number;
  /** Engine parallelism (default: Pulumi's). */
  parallel?: number;
}

/** Counters and timings of the last operations, for tests and benchmarks. */
export interface PulumiLocalStats {
  /** Last engine operation; `phases` splits an apply (ms): stack, previous, config, up (engine + result). */
  lastOp?: { op: string; service: string; ms: number; engineEvents: number; phases?: Record<string, number> };
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
  /** Current stack locks of a service (files or S3 objects). */
  locks(service: string): Promise<StackLock[]>;
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

export function createPulumiLocalProvisioner(options: PulumiLocalOptions = {}): PulumiLocalProvisioner {
  const paths = resolvePaths(options);
  const backend = stateBackend(paths);
  const projectName = options.projectName ?? 'kinetic-local';
  const refreshOnApply = options.refreshOnApply ?? false;
  const lockTimeoutMs = options.lockTimeoutMs ?? 600_000;
  const lockPollMs = options.lockPollMs ?? 250;
  const verifyTimeoutMs = options.verifyTimeoutMs ?? 15_000;
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 5_000;
  const log = options.log ?? (() => undefined);
  const warn = options.log ?? ((line: string) => console.warn(line));
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
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(service)) throw new ProvisionError(`invalid service name for a stack: ${JSON.stringify(service)}`, false);
  }

  async function workspaceOpts(service: string) {
    ensureShim(paths);
    const dir = workDir(service);
    fs.mkdirSync(dir, { recursive: true });
    if (paths.backendDir) fs.mkdirSync(paths.backendDir, { recursive: true });
    fs.mkdirSync(paths.pulumiHome, { recursive: true });
    return {
      workDir: dir,
      pulumiHome: paths.pulumiHome,
      pulumiCommand: await pulumiCommand(paths),
      envVars: cliEnv(paths),
      // A KMS secrets provider for new stacks (an existing stack keeps the provider it was created with).
      ...(paths.secrets?.secretsProvider ? { secretsProvider: paths.secrets.secretsProvider } : {}),
      // main = repo root: the engine starts plugins (the dynamic provider) in this directory, so
      // `require('@pulumi/pulumi/...')` in the shim resolves.
      projectSettings: { name: projectName, runtime: 'nodejs' as const, main: paths.repoRoot, backend: { url: paths.backendUrl } },
    };
  }

  function getStack(service: string, ctx: ProvisionContext = noopProvisionContext): Promise<Stack> {
    checkService(service);
    let p = stacks.get(service);
    if (!p) {
      p = (async () => {
        const opts = await workspaceOpts(service);
        await repairBeforeOpen(service, ctx);
        const stack = await LocalWorkspace.createOrSelectStack({ projectName, stackName: service, program: serviceProgram() }, opts);
        return fastReads(stack);
      })();
      p.catch(() => stacks.delete(service));
      stacks.set(service, p);
    }
    return p;
  }

  /**
   * After every `up`/`refresh`/`destroy` the Automation API runs `pulumi stack output` twice
   * (masked and plain) and `pulumi stack history --page-size 1`: three CLI starts, ~1 s each here
   * (binary start + passphrase key derivation). The DIY backend has the same data in files or S3
   * objects, so this stack reads outputs from the checkpoint (our outputs hold no secrets) and the
   * summary from the newest `<stack>-<ns>.history.json`; both fall back to the CLI when the object
   * is missing or unreadable (or an output is a secret).
   */
  function fastReads(stack: Stack): Stack {
    const ws = stack.workspace as LocalWorkspace;
    const outputsViaCli = ws.stackOutputs.bind(ws);
    ws.stackOutputs = async (stackName: string) => (await checkpointOutputs(stackName)) ?? outputsViaCli(stackName);
    const infoViaCli = stack.info.bind(stack);
    stack.info = async (showSecrets?: boolean) => (await latestHistory(stack.name)) ?? infoViaCli(showSecrets);
    return stack;
  }

  /** The newest update record of the DIY backend, shaped like `stack history --json` entries. */
  async function latestHistory(service: string): Promise<UpdateSummary | undefined> {
    try {
      const h = await readLatestHistory(backend, projectName, service);
      if (!h || typeof h.kind !== 'string' || typeof h.result !== 'string') return undefined;
      const config: Record<string, { value: string; secret: boolean }> = {};
      for (const [k, v] of Object.entries((h.config ?? {}) as Record<string, unknown>)) {
        config[k] = { value: typeof v === 'string' ? v : JSON.stringify(v), secret: typeof v === 'object' && v !== null };
      }
      return {
        ...(h as object),
        config,
        startTime: new Date(Number(h.startTime) * 1000),
        endTime: h.endTime ? new Date(Number(h.endTime) * 1000) : undefined,
      } as UpdateSummary;
    } catch {
      return undefined;
    }
  }

  /** The stack if it exists, without creating it. */
  async function findStack(service: string): Promise<Stack | undefined> {
    checkService(service);
    if (stacks.has(service)) return getStack(service);
    if (!(await stackExists(backend, projectName, service))) return undefined;
    try {
      const opts = await workspaceOpts(service);
      await repairBeforeOpen(service, noopProvisionContext);
      const stack = fastReads(await LocalWorkspace.selectStack({ projectName, stackName: service, program: serviceProgram() }, opts));
      stacks.set(service, Promise.resolve(stack));
      return stack;
    } catch (err) {
      if (err instanceof StackNotFoundError || /no stack named|not found/i.test(String(err))) return undefined;
      throw err;
    }
  }

  const checkpointOf = (service: string) => readCheckpoint(backend, projectName, service);
  const pendingOf = async (service: string): Promise<number> => {
    try {
      return pendingOperations(await checkpointOf(service));
    } catch {
      return 0;
    }
  };

  /**
   * Kills processes of the pool dir that no LocalPool/LocalLoadBalancer resource state knows: members
   * started by an update or create whose CLI was killed before it could record them.
   */
  async function reapOrphans(service: string): Promise<number> {
    const known = new Set<number>();
    for (const r of (await checkpointOf(service))?.checkpoint?.latest?.resources ?? []) {
      const o = r.outputs ?? {};
      if (r.type.endsWith(':LocalPool')) for (const m of (o.members as PoolMember[] | undefined) ?? []) known.add(m.pid);
      if (r.type.endsWith(':LocalLoadBalancer') && typeof o.pid === 'number') known.add(o.pid);
    }
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

  function lockOptions(service: string): StackLockOptions {
    return {
      tag: 'pulumi-local',
      backend,
      projectName,
      stackName: service,
      lockTimeoutMs,
      lockPollMs,
      heartbeatIntervalMs,
      log,
      warn,
      pendingOperations: () => pendingOf(service),
      afterRepair: () => reapOrphans(service),
      stats,
      onOutput: options.onOutput,
    };
  }

  /** A checkpoint a killed CLI left empty or torn fails even `stack select`: restore it first (provisioners/pulumi/checkpoint-repair.ts). */
  async function repairBeforeOpen(service: string, ctx: ProvisionContext): Promise<void> {
    const o = lockOptions(service);
    await repairCheckpoint({ ...o, warn, waitForLocks: () => awaitStackLocks(o, ctx) });
  }

  /** Runs one engine operation with lock handling (provisioners/pulumi/stack-lock.ts); a repair also reaps orphan processes. */
  async function locked<T>(service: string, op: string, ctx: ProvisionContext, run: (stack: Stack) => Promise<T>): Promise<T> {
    const stack = await getStack(service, ctx);
    return runLocked(stack, op, ctx, lockOptions(service), run);
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

  /** Where versions before the shared journal (provisioners/pulumi/stack-journal.ts) kept it. */
  function legacyJournalFile(service: string): string {
    return path.join(workDir(service), 'decisions.json');
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

  /**
   * Stack outputs read straight from the DIY checkpoint (`<backend>/.pulumi/stacks/<project>/<stack>.json`, a file or an S3 object):
   * every CLI call costs ~1 s (binary start + passphrase key derivation), and our outputs hold no
   * secrets. Undefined when the file is missing or unreadable (the caller falls back to the CLI).
   */
  async function checkpointOutputs(service: string): Promise<OutputMap | undefined> {
    try {
      const doc = await checkpointOf(service);
      if (!doc?.checkpoint) return undefined;
      const out: OutputMap = {};
      for (const [k, v] of Object.entries(rootOutputs(doc) ?? {})) {
        if (JSON.stringify(v).includes('4dabf18193072939515e22adb298388d')) return undefined; // a secret: use the CLI
        out[k] = { value: v, secret: false };
      }
      return out;
    } catch {
      return undefined;
    }
  }

  async function outputsView(service: string): Promise<StackOutputsView> {
    const fast = await checkpointOutputs(service);
    if (fast) return viewOutputs(fast);
    const stack = await findStack(service);
    if (!stack) return { exists: false, decisionId: '', pools: {}, loadBalancer: null };
    return viewOutputs(await stack.outputs());
  }

  function validatePlan(plan: CapacityPlan): void {
    checkService(plan.service);
    for (const [tier, n] of Object.entries(plan.tiers)) {
      if (!/^[A-Za-z0-9._-]+$/.test(tier)) throw new ProvisionError(`invalid tier name ${JSON.stringify(tier)}`, false);
      if (!Number.isInteger(n) || n < 0 || n > 500) throw new ProvisionError(`invalid replicas for tier ${tier}: ${n}`, false);
    }
  }

  /**
   * Writes the config record; skipped when `Pulumi.<stack>.yaml` already holds these values. The
   * member env is a secret config value (`kinetic:env`, encrypted), so a service with an env is
   * always written (its ciphertext cannot be compared).
   */
  async function setConfig(stack: Stack, service: string, tiers: TierReplicas, decisionId: string): Promise<void> {
    const { env, ...plain } = spec(service);
    const hasEnv = Object.keys(env).length > 0;
    const want: Record<string, string> = {
      'kinetic:tiers': JSON.stringify(tiers),
      'kinetic:spec': JSON.stringify(plain),
      'kinetic:decisionId': decisionId,
    };
    let hadEnv = true;
    try {
      const doc = YAML.parse(fs.readFileSync(path.join(workDir(service), `Pulumi.${service}.yaml`), 'utf8')) as { config?: Record<string, unknown> };
      hadEnv = doc?.config?.['kinetic:env'] !== undefined;
      if (!hasEnv && !hadEnv && Object.entries(want).every(([k, v]) => doc?.config?.[k] === v)) return;
    } catch {
      // no stack settings file yet
    }
    await stack.setAllConfig({
      'kinetic:tiers': { value: want['kinetic:tiers'] },
      'kinetic:spec': { value: want['kinetic:spec'] },
      'kinetic:decisionId': { value: decisionId },
      ...(hasEnv || hadEnv ? { 'kinetic:env': { value: JSON.stringify(env), secret: true } } : {}),
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
    return stateOf(service, viewOutputs((await checkpointOutputs(service)) ?? (await stack.outputs())), true);
  }

  const provisioner: PulumiLocalProvisioner = {
    kind: 'pulumi-local',
    paths,
    stats,
    spec,

    locks(service) {
      return listStackLocks(backend, projectName, service);
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
      // The plan travels in the program closure: a dry run leaves the stack config untouched.
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
    },

    async apply(plan, ctx = noopProvisionContext) {
      validatePlan(plan);
      if (ctx.signal?.aborted) throw abortError(ctx.signal);
      const service = plan.service;
      const t0 = Date.now();
      const phases: Record<string, number> = {};
      let lap = t0;
      const mark = (name: string) => {
        const now = Date.now();
        phases[name] = now - lap;
        lap = now;
      };
      await getStack(service, ctx);
      mark('stack');
      const counter = { n: 0 };
      ctx.heartbeat({ op: 'up', service, stage: 'starting' });
      const program = serviceProgram({ tiers: plan.tiers, spec: spec(service), decisionId: plan.decisionId });
      let previous: CapacityState | undefined;
      const res = await locked(service, 'up', ctx, async (s) => {
        // Runs once no live lock is held, so `previous` is the state this update really starts
        // from. It is journaled per decision: a retried activity gets the state from before its
        // first attempt, not the state that attempt produced.
        const journal = await readJournal(backend, projectName, service, legacyJournalFile(service));
        let entry = journal.find((j) => j.decisionId === plan.decisionId);
        if (!entry) {
          const before = viewOutputs((await checkpointOutputs(service)) ?? (await s.outputs()));
          entry = { decisionId: plan.decisionId, previous: stateOf(service, before, false), at: new Date().toISOString() };
          await writeJournal(backend, projectName, service, [...journal, entry]);
        }
        previous = entry.previous;
        mark('previous');
        await setConfig(s, service, plan.tiers, plan.decisionId);
        mark('config');
        // The Automation API only reacts to an abort *event* once the CLI runs: check before.
        if (ctx.signal?.aborted) throw abortError(ctx.signal);
        return pulumiUpSpan(service, plan.decisionId, () =>
          s.up({
            program,
            refresh: refreshOnApply,
            onEvent: eventHandler(service, 'up', ctx, counter),
            onOutput: options.onOutput,
            signal: ctx.signal,
            parallel: options.parallel,
          }),
        );
      });
      mark('up');
      const ms = Date.now() - t0;
      stats.lastOp = { op: 'up', service, ms, engineEvents: counter.n, phases };
      const applied = stateOf(service, viewOutputs(res.outputs), true);
      const changes = changesOf(res.summary.resourceChanges as Record<string, number> | undefined);
      const changed = changes > 0;
      const before = previous as CapacityState;
      const summary = `${service}: ${JSON.stringify(before.tiers)} → ${JSON.stringify(applied.tiers)}; engine ${JSON.stringify(
        res.summary.resourceChanges ?? {},
      )} in ${ms} ms`;
      log(`[pulumi-local] apply ${plan.decisionId}: ${summary}`);
      return { applied, previous: before, changed, summary } satisfies ApplyResult;
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
      await removeJournal(backend, projectName, service, legacyJournalFile(service));
    },
  };
  return provisioner;
}

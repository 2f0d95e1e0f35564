/**
 * Running a Pulumi engine operation on a DIY-backend stack (file or S3) safely when workers crash:
 * locks of dead holders are cleared, live ones waited for (heartbeating), a stack a killed CLI left
 * with pending operations or a broken checkpoint (checkpoint-repair.ts) is repaired first, and a
 * lock conflict is retried until the deadline.
 *
 * When is a stack lock stale?
 * - **Holder on this host** (the lock's hostname is ours): when its pid is gone, a zombie, or a
 *   process that started after the lock was written (a recycled pid).
 * - **Holder on another host** (its pid means nothing here): only when a Kinetic owner record
 *   (stack-owners.ts) of that host, written before the lock, shows the holder stopped: not renewed
 *   for longer than its lease — the heartbeat timeout of the Temporal activity it ran in (60 s
 *   outside an activity). When both runs are activities of the same workflow run, the holder must
 *   also be an earlier attempt of this activity (or an earlier step of the saga): Temporal starts
 *   attempt N + 1 only after attempt N failed or missed its heartbeat timeout.
 *   Why it is safe: the record is renewed by the process that hosts the inline Pulumi program —
 *   the same process whose heartbeats keep the activity alive and without which the CLI cannot run
 *   the program. A holder that is alive and able to drive its engine renews the record, so its lock
 *   is never cleared; one that stopped renewing for a whole lease is dead (or stalled as long as
 *   Temporal already declared it dead). A lock with no matching record (an operator's own
 *   `pulumi up`, an older Kinetic) is never cleared: it is waited for, and the error names it.
 */
import { ConcurrentUpdateError, type Stack } from '@pulumi/pulumi/automation';
import { abortError, sleep } from '../../cloud/abortable-sleep';
import type { ProvisionContext } from '../contract';
import { ProvisionError } from '../errors';
import { heartbeatEvery } from '../heartbeat-period';
import { markRestoreRepaired, repairCheckpoint, restoredPendingRepair } from './checkpoint-repair';
import { reapOrphanPlugins } from './orphan-plugins';
import type { StateBackend } from './backend';
import { listStackLocks, parseLockError, type StackLock } from './locks';
import { listOwners, registerOwner, removeOwner, type OwnerRecord } from './stack-owners';

export interface StackLockOptions {
  /** Log prefix, e.g. "pulumi-local". */
  tag: string;
  backend: StateBackend;
  projectName: string;
  stackName: string;
  lockTimeoutMs: number;
  lockPollMs: number;
  /** Heartbeat at least this often while the operation runs (0 = only what `run` sends). */
  heartbeatIntervalMs: number;
  log: (line: string) => void;
  /** Warnings an operator must see (a restored checkpoint); default `log`. */
  warn?: (line: string) => void;
  pendingOperations: () => Promise<number>;
  /** Repairs after an interrupted operation (the refresh is done already), e.g. reaping orphans. */
  afterRepair?: () => Promise<unknown> | unknown;
  stats?: { staleLocksCleared: number; lockWaits: number; lockWaitMs: number };
  onOutput?: (text: string) => void;
}

export interface LockVerdict {
  stale: boolean;
  /** Why, in words (logged, and in the timeout error). */
  why: string;
}

const who = (l: { pid: number; hostname: string }) => `pid ${l.pid}@${l.hostname}`;

function describeOwner(r: OwnerRecord): string {
  const a = r.activity;
  return `${r.op} by worker pid ${r.pid}@${r.host}${a ? ` (${a.activityType} attempt ${a.attempt} of ${a.workflowId})` : ''}`;
}

/** The rule above for one lock. `owners` are the stack's owner records; `now` is this host's clock. */
export function judgeStackLock(l: StackLock, owners: Array<OwnerRecord & { modifiedMs: number }>, ctx: ProvisionContext, now = Date.now()): LockVerdict {
  if (l.local) {
    return l.alive ? { stale: false, why: `${who(l)} is running` } : { stale: true, why: `dead ${who(l)} (the process ended, or its pid now belongs to a younger process)` };
  }
  const lockedAt = Date.parse(l.timestamp);
  // Written by the holder's host before its CLI took the lock (both stamps from that host's clock).
  const mine = owners
    .filter((r) => r.host === l.hostname && Number.isFinite(lockedAt) && Date.parse(r.startedAt) <= lockedAt + 1_000)
    .sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt))[0];
  if (!mine) {
    return {
      stale: false,
      why: `${who(l)} on another host, with no Kinetic run recorded for it (an operator's pulumi run?); once it is known to be gone, remove ${l.file} or run \`pulumi cancel\``,
    };
  }
  const silentMs = now - Math.max(Date.parse(mine.renewedAt) || 0, mine.modifiedMs);
  if (silentMs <= mine.leaseMs) {
    return { stale: false, why: `${who(l)}: ${describeOwner(mine)}, renewed ${Math.round(silentMs / 1000)} s ago (lease ${Math.round(mine.leaseMs / 1000)} s)` };
  }
  const a = mine.activity;
  const b = ctx.activity;
  let temporal = '';
  if (a && b && a.workflowId === b.workflowId && a.runId === b.runId) {
    if (a.activityId === b.activityId && a.attempt >= b.attempt) {
      return { stale: false, why: `${who(l)}: ${describeOwner(mine)} is not an earlier attempt than this one (${b.attempt})` };
    }
    temporal = a.activityId === b.activityId ? `; Temporal has retried it as attempt ${b.attempt}` : `; the saga has moved on to ${b.activityType}`;
  }
  return { stale: true, why: `${who(l)}: ${describeOwner(mine)} stopped renewing ${Math.round(silentMs / 1000)} s ago (lease ${Math.round(mine.leaseMs / 1000)} s)${temporal}` };
}

/** Clears stale locks and waits for live ones; true when a stale lock was removed. */
export async function awaitStackLocks(o: StackLockOptions, ctx: ProvisionContext): Promise<boolean> {
  const started = Date.now();
  let waited = false;
  let clearedAny = false;
  for (;;) {
    const locks = await listStackLocks(o.backend, o.projectName, o.stackName);
    const owners = await listOwners(o.backend, o.projectName, o.stackName);
    const live: Array<{ lock: StackLock; why: string }> = [];
    for (const l of locks) {
      const v = judgeStackLock(l, owners, ctx);
      if (!v.stale) {
        live.push({ lock: l, why: v.why });
        continue;
      }
      if (await o.backend.remove(l.key)) {
        if (o.stats) o.stats.staleLocksCleared++;
        clearedAny = true;
        o.log(`[${o.tag}] ${o.stackName}: cleared stale lock ${l.file} since ${l.timestamp}: ${v.why}`);
      }
    }
    // Records of runs that stopped renewing (their worker died) are removed once their locks are judged.
    const now = Date.now();
    for (const r of owners) {
      if (now - Math.max(Date.parse(r.renewedAt) || 0, r.modifiedMs) > r.leaseMs) await removeOwner(o.backend, r);
    }
    if (live.length === 0) {
      if (waited) {
        const ms = Date.now() - started;
        if (o.stats) o.stats.lockWaitMs += ms;
        o.log(`[${o.tag}] ${o.stackName}: lock released after ${ms} ms`);
      }
      return clearedAny;
    }
    if (!waited) {
      waited = true;
      if (o.stats) o.stats.lockWaits++;
      o.log(`[${o.tag}] ${o.stackName}: stack locked (${live.map((x) => x.why).join('; ')}); waiting`);
    }
    if (Date.now() - started > o.lockTimeoutMs) {
      throw new ProvisionError(`stack ${o.stackName} still locked after ${o.lockTimeoutMs} ms: ${live.map((x) => `${x.lock.file}: ${x.why}`).join('; ')}`, true);
    }
    ctx.heartbeat({ op: 'waiting-for-lock', service: o.stackName, holders: live.map((x) => ({ pid: x.lock.pid, host: x.lock.hostname, since: x.lock.timestamp })) });
    await sleep(o.lockPollMs, ctx.signal);
  }
}

/**
 * A killed CLI's provider plugins (on this host) outlive it — also when it died after releasing its
 * lock (nothing to clear, nothing pending), so look before and after every operation: only plugins
 * whose engine is gone are killed.
 */
async function reapOrphans(o: StackLockOptions): Promise<void> {
  const reaped = await reapOrphanPlugins(o.backend.url);
  if (reaped.length) o.log(`[${o.tag}] ${o.stackName}: killed ${reaped.length} provider plugin(s) of a dead engine (${reaped.join(', ')})`);
}

/** Runs one engine operation with the lock handling above; retries after ConcurrentUpdateError. */
export async function runLocked<T>(stack: Stack, op: string, ctx: ProvisionContext, o: StackLockOptions, run: (stack: Stack) => Promise<T>): Promise<T> {
  const deadline = Date.now() + o.lockTimeoutMs;
  for (;;) {
    if (ctx.signal?.aborted) throw abortError(ctx.signal);
    const cleared = await awaitStackLocks(o, ctx);
    // Recorded before the CLI takes the lock, renewed while it runs: how other hosts judge our lock.
    const owner = await registerOwner(o.backend, { project: o.projectName, stack: o.stackName, op, activity: ctx.activity, log: o.log });
    // Engine events can be sparse (an instance booting for seconds; a repair's refresh sends none
    // to us): keep heartbeating meanwhile, well within the activity's heartbeat timeout.
    const started = Date.now();
    const every = heartbeatEvery(o.heartbeatIntervalMs, ctx.activity?.heartbeatTimeoutMs);
    const timer = every > 0 ? setInterval(() => ctx.heartbeat({ op, service: o.stackName, stage: 'running', elapsedMs: Date.now() - started }), every) : undefined;
    try {
      await reapOrphans(o);
      // No live holder now: a checkpoint a killed CLI left empty or torn is restored from a backup.
      await repairCheckpoint({ backend: o.backend, projectName: o.projectName, stackName: o.stackName, tag: o.tag, warn: o.warn ?? o.log });
      const restored = await restoredPendingRepair(o.backend, o.projectName, o.stackName);
      const pending = await o.pendingOperations();
      if (cleared || pending > 0 || restored) {
        // A dead holder may have left pending operations (a create or update that never finished);
        // a restored checkpoint may not know what the killed update started.
        o.log(`[${o.tag}] ${o.stackName}: repairing after an interrupted operation (${pending} pending operation(s)${restored ? ', checkpoint restored from a backup' : ''})`);
        await stack.refresh({ clearPendingCreates: true, signal: ctx.signal, onOutput: o.onOutput });
        await o.afterRepair?.();
        if (restored) await markRestoreRepaired(o.backend, o.projectName, o.stackName);
      }
      const result = await run(stack);
      await reapOrphans(o);
      return result;
    } catch (err) {
      if (err instanceof ConcurrentUpdateError && Date.now() < deadline) {
        const holders = parseLockError(err.message).map((h) => `pid ${h.pid}@${h.hostname}`);
        o.log(`[${o.tag}] ${o.stackName}: ${op} hit a stack lock (${holders.join(', ') || 'holder unknown'}); retrying`);
        await sleep(o.lockPollMs, ctx.signal);
        continue;
      }
      throw err;
    } finally {
      if (timer) clearInterval(timer);
      await owner.close();
    }
  }
}

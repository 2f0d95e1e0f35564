/**
 * Running a Pulumi engine operation on a DIY-backend stack safely when workers crash: locks of dead
 * holders are cleared, live ones waited for (heartbeating), a stack a killed CLI left with pending
 * operations is repaired first, and a lock conflict is retried until the deadline.
 */
import * as path from 'node:path';
import { ConcurrentUpdateError, type Stack } from '@pulumi/pulumi/automation';
import { abortError, sleep } from '../cloud/abortable-sleep';
import type { ProvisionContext } from './contract';
import { ProvisionError } from './errors';
import { reapOrphanPlugins } from './orphan-plugins';
import { clearStaleLocks, listStackLocks, parseLockError } from './pulumi-local/locks';

export interface StackLockOptions {
  /** Log prefix, e.g. "pulumi-local". */
  tag: string;
  backendDir: string;
  projectName: string;
  stackName: string;
  lockTimeoutMs: number;
  lockPollMs: number;
  /** Heartbeat at least this often while the operation runs (0 = only what `run` sends). */
  heartbeatIntervalMs: number;
  log: (line: string) => void;
  pendingOperations: () => number;
  /** Repairs after an interrupted operation (the refresh is done already), e.g. reaping orphans. */
  afterRepair?: () => void;
  stats?: { staleLocksCleared: number; lockWaits: number; lockWaitMs: number };
  onOutput?: (text: string) => void;
}

/** Clears stale locks and waits for live ones; true when a stale lock was removed. */
export async function awaitStackLocks(o: StackLockOptions, ctx: ProvisionContext): Promise<boolean> {
  const started = Date.now();
  let waited = false;
  let clearedAny = false;
  const who = (l: { pid: number; hostname: string }) => `pid ${l.pid}@${l.hostname}`;
  for (;;) {
    for (const l of clearStaleLocks(o.backendDir, o.projectName, o.stackName)) {
      if (o.stats) o.stats.staleLocksCleared++;
      clearedAny = true;
      o.log(`[${o.tag}] ${o.stackName}: cleared stale lock ${path.basename(l.file)} held by dead ${who(l)} since ${l.timestamp}`);
    }
    const live = listStackLocks(o.backendDir, o.projectName, o.stackName).filter((l) => l.alive);
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
      o.log(`[${o.tag}] ${o.stackName}: stack locked by ${live.map(who).join(', ')}; waiting`);
    }
    if (Date.now() - started > o.lockTimeoutMs) {
      throw new ProvisionError(`stack ${o.stackName} still locked after ${o.lockTimeoutMs} ms by ${live.map((l) => `${who(l)} (${l.file})`).join(', ')}`, true);
    }
    ctx.heartbeat({ op: 'waiting-for-lock', service: o.stackName, holders: live.map((l) => ({ pid: l.pid, host: l.hostname, since: l.timestamp })) });
    await sleep(o.lockPollMs, ctx.signal);
  }
}

/** Runs one engine operation with the lock handling above; retries after ConcurrentUpdateError. */
export async function runLocked<T>(stack: Stack, op: string, ctx: ProvisionContext, o: StackLockOptions, run: (stack: Stack) => Promise<T>): Promise<T> {
  const deadline = Date.now() + o.lockTimeoutMs;
  for (;;) {
    if (ctx.signal?.aborted) throw abortError(ctx.signal);
    const cleared = await awaitStackLocks(o, ctx);
    const pending = o.pendingOperations();
    if (cleared || pending > 0) {
      // A dead holder may have left pending operations (a create or update that never finished).
      o.log(`[${o.tag}] ${o.stackName}: repairing after an interrupted operation (${pending} pending operation(s))`);
      // The killed CLI's provider plugins outlive it; no engine runs on this stack now.
      const reaped = await reapOrphanPlugins(o.backendDir);
      if (reaped.length) o.log(`[${o.tag}] ${o.stackName}: killed ${reaped.length} provider plugin(s) of the dead engine (${reaped.join(', ')})`);
      await stack.refresh({ clearPendingCreates: true, signal: ctx.signal, onOutput: o.onOutput });
      o.afterRepair?.();
    }
    // Engine events can be sparse (an instance booting for seconds): keep heartbeating meanwhile.
    const started = Date.now();
    const timer =
      o.heartbeatIntervalMs > 0 ? setInterval(() => ctx.heartbeat({ op, service: o.stackName, stage: 'running', elapsedMs: Date.now() - started }), o.heartbeatIntervalMs) : undefined;
    try {
      return await run(stack);
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
    }
  }
}

/**
 * DIY-backend stack locks (pulumi pkg/backend/diy/lock.go): while an update, refresh or destroy
 * runs, the CLI holds `<backend>/.pulumi/locks/<org>/<project>/<stack>/<uuid>.json` =
 * `{ pid, username, hostname, timestamp }` — a file, or an object in an S3 bucket. A CLI killed with
 * SIGKILL (or dying with its host) leaves it behind and every later operation fails with
 * ConcurrentUpdateError. `pulumi cancel` deletes *all* locks of the stack, so Kinetic deletes only
 * the ones whose holder is provably gone (see stack-lock.ts for the rules).
 *
 * Each lock object is named by a fresh uuid per CLI run: deleting the key of a stale lock can never
 * delete a newer holder's lock.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { processAlive, procStat } from '../../store/file-lock';
import type { StateBackend } from './backend';

export interface StackLock {
  /** Key in the backend (`.pulumi/locks/…/<uuid>.json`). */
  key: string;
  /** Where it is, for messages (a path or an s3:// address). */
  file: string;
  pid: number;
  username: string;
  hostname: string;
  timestamp: string;
  /** Last modification of the lock object, as the storage reports it (epoch ms). */
  modifiedMs: number;
  /** local: same hostname as this process; alive: the holder pid runs and is not younger than the lock (only knowable when local). */
  local: boolean;
  alive: boolean;
}

/** True when the pid exists and is not a zombie. */
export function pidAlive(pid: number): boolean {
  return processAlive(pid);
}

let bootMs: number | undefined;
/** Wall-clock start of a local process (ms), from /proc; undefined when unknown. */
export function processStartMs(pid: number): number | undefined {
  const st = procStat(pid);
  if (!st) return undefined;
  if (bootMs === undefined) {
    try {
      const btime = /^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'));
      bootMs = btime ? Number(btime[1]) * 1000 : NaN;
    } catch {
      bootMs = NaN;
    }
  }
  // starttime is in clock ticks (USER_HZ, 100 on Linux) since boot.
  const ms = bootMs + (Number(st.start) * 1000) / 100;
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Whether the local holder of a lock written at `timestamp` still runs: its pid exists, is not a
 * zombie, and the process started before the lock was written (a recycled pid started later).
 */
export function localHolderAlive(pid: number, timestamp: string): boolean {
  if (!pidAlive(pid)) return false;
  const written = Date.parse(timestamp);
  const started = processStartMs(pid);
  if (!Number.isFinite(written) || started === undefined) return true;
  return started <= written + 2_000; // btime and tick rounding: a second or two of slack
}

/** Lock keys of a stack: `.pulumi/locks/<org>/<project>/<stack>/*.json` (org is "organization" for DIY), and the legacy `.pulumi/locks/<stack>/*.json`. */
function isLockOf(key: string, project: string, stack: string): boolean {
  const parts = key.split('/');
  if (parts[0] !== '.pulumi' || parts[1] !== 'locks' || !parts[parts.length - 1].endsWith('.json')) return false;
  if (parts.length === 6) return parts[3] === project && parts[4] === stack;
  return parts.length === 4 && parts[2] === stack;
}

export async function listStackLocks(backend: StateBackend, project: string, stack: string): Promise<StackLock[]> {
  const host = os.hostname();
  const locks: StackLock[] = [];
  for (const o of await backend.list('.pulumi/locks/')) {
    if (!isLockOf(o.key, project, stack)) continue;
    const raw = await backend.read(o.key);
    if (!raw) continue; // released between list and read
    let c: { pid?: number; username?: string; hostname?: string; timestamp?: string };
    try {
      c = JSON.parse(raw.toString('utf8')) as typeof c;
    } catch {
      continue; // being written right now: look again next time
    }
    const local = c.hostname === host;
    const pid = Number(c.pid ?? 0);
    const timestamp = c.timestamp ?? '';
    locks.push({
      key: o.key,
      file: backend.where(o.key),
      pid,
      username: c.username ?? '',
      hostname: c.hostname ?? '',
      timestamp,
      modifiedMs: o.modifiedMs,
      local,
      alive: local ? localHolderAlive(pid, timestamp) : true,
    });
  }
  return locks;
}

/** Holder info parsed from a ConcurrentUpdateError message ("created by u@host (pid 123) at ..."). */
export function parseLockError(message: string): Array<{ url: string; username: string; hostname: string; pid: number }> {
  const out: Array<{ url: string; username: string; hostname: string; pid: number }> = [];
  const re = /^\s*(\S+): created by (.*)@(\S+) \(pid (\d+)\)/gm;
  for (let m = re.exec(message); m; m = re.exec(message)) out.push({ url: m[1], username: m[2], hostname: m[3], pid: Number(m[4]) });
  return out;
}

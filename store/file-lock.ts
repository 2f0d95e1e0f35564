/**
 * A cross-process lock on one file, for the single-host file stores (budget ledger, audit log,
 * predictions, weights, model index, dry-run fleet).
 *
 * - **Owner** = host + process: `{ host, boot, pidns, pid, start, nonce }` — the hostname, the
 *   kernel boot id, the pid namespace, the pid and the process start time (field 22 of
 *   `/proc/<pid>/stat`). An owner on this host (same hostname, boot and pid namespace) is alive
 *   only if its pid runs *and* started at that time, so a recycled pid (PID 1 of a restarted
 *   container, a pid reused after a crash) is not taken for the dead owner.
 * - **Created complete**: the owner record is written to a unique temp file and hard-linked to the
 *   lock path (`link` fails if it exists), so a lock file never exists half-written. (File systems
 *   without hard links fall back to an exclusive create.)
 * - **Unreadable or foreign owners are judged by age**: an empty or garbled file (a crash of older
 *   code between create and write) and a lock of another host or pid namespace (its pid means
 *   nothing here) are stale once the file has not been touched for `staleMs`. Holders touch it every
 *   `staleMs / 4` while they hold it.
 * - **Atomic takeover**: a stale lock is removed only by the one contender that created the
 *   takeover token for *that* lock instance (`<lock>.break-<instance>-<n>`, exclusive) and, holding
 *   it, found the same instance still there and still stale. Others back off and retry. A token
 *   whose holder died is superseded by generation n + 1, never deleted by a rival.
 * - **No blocking**: waiting is asynchronous (the event loop keeps running: heartbeats, timers).
 *   Callers in one process queue in memory first, so only one of them polls the file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

export interface FileLockOptions {
  /** Give up waiting after this long (default 10000 ms). */
  timeoutMs?: number;
  /** A lock whose owner cannot be checked from here (other host, unreadable file) is stale when untouched this long (default 5000 ms). */
  staleMs?: number;
  /** Longest pause between two attempts (default 50 ms; the first retries are faster). */
  pollMs?: number;
}

/** The owner record stored in a lock file. */
export interface LockOwner {
  v: 2;
  host: string;
  boot: string;
  pidns: string;
  pid: number;
  /** Start time of the process in clock ticks since boot (`/proc/<pid>/stat` field 22); '' where /proc is missing. */
  start: string;
  nonce: string;
  at: string;
}

const DEFAULTS = { timeoutMs: 10_000, staleMs: 5_000, pollMs: 50 };

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Field 22 (starttime) and field 3 (state) of `/proc/<pid>/stat`; undefined when the pid does not exist (or no /proc). */
export function procStat(pid: number): { start: string; state: string } | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: fields after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0], start: rest[19] };
}

const HAS_PROC = procStat(process.pid) !== undefined;

/** Where this process runs: hostname, kernel boot id, pid namespace. */
export interface HostIdentity {
  host: string;
  boot: string;
  pidns: string;
}

let self: (HostIdentity & { pid: number; start: string }) | undefined;
function me(): HostIdentity & { pid: number; start: string } {
  // Cached per process (a forked child has another pid: recompute).
  if (!self || self.pid !== process.pid) {
    let pidns = '';
    try {
      pidns = readlinkSync('/proc/self/ns/pid');
    } catch {
      // no /proc
    }
    self = {
      host: hostname(),
      boot: readText('/proc/sys/kernel/random/boot_id'),
      pidns,
      pid: process.pid,
      start: procStat(process.pid)?.start ?? '',
    };
  }
  return self;
}

export function thisHost(): HostIdentity {
  const { host, boot, pidns } = me();
  return { host, boot, pidns };
}

/** True when `pid` runs here, is not a zombie, and (when `start` is known) started at `start`. */
export function processAlive(pid: number, start?: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (HAS_PROC) {
    const st = procStat(pid);
    if (!st || st.state === 'Z' || st.state === 'X') return false;
    return !start || st.start === start;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function newOwner(): LockOwner {
  const m = me();
  return { v: 2, host: m.host, boot: m.boot, pidns: m.pidns, pid: m.pid, start: m.start, nonce: randomBytes(8).toString('hex'), at: new Date().toISOString() };
}

/** The owner record of a lock file's content, or undefined when it is not one (empty, garbled, an old bare pid). */
export function parseOwner(raw: string): LockOwner | undefined {
  try {
    const o = JSON.parse(raw) as Partial<LockOwner>;
    if (o && o.v === 2 && typeof o.host === 'string' && typeof o.pid === 'number' && typeof o.nonce === 'string' && typeof o.start === 'string') {
      return { boot: '', pidns: '', at: '', ...o } as LockOwner;
    }
  } catch {
    // not JSON
  }
  return undefined;
}

interface Seen {
  raw: string;
  ino: number;
  mtimeMs: number;
  owner?: LockOwner;
}

async function inspect(file: string): Promise<Seen | undefined> {
  try {
    const [st, raw] = await Promise.all([fsp.stat(file), fsp.readFile(file, 'utf8')]);
    return { raw, ino: st.ino, mtimeMs: st.mtimeMs, owner: parseOwner(raw) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export interface Verdict {
  stale: boolean;
  /** Who holds it, in words (for messages). */
  holder: string;
}

/** Whether a lock instance is stale, judged from this process. */
export function judge(seen: { raw: string; mtimeMs: number; owner?: LockOwner }, staleMs: number, now = Date.now()): Verdict {
  const age = Math.max(0, now - seen.mtimeMs);
  const o = seen.owner;
  if (!o) {
    const what = seen.raw.trim() === '' ? 'an empty lock file' : `an unreadable lock file (${JSON.stringify(seen.raw.slice(0, 40))})`;
    return { stale: age > staleMs, holder: `${what}, untouched for ${Math.round(age)} ms` };
  }
  const h = thisHost();
  if (o.host === h.host && o.boot === h.boot && o.pidns === h.pidns) {
    const alive = processAlive(o.pid, o.start);
    return { stale: !alive, holder: alive ? `live pid ${o.pid} (since ${o.at})` : `dead pid ${o.pid} (pid gone or reused)` };
  }
  const where = o.host === h.host ? `another ${o.boot === h.boot ? 'pid namespace' : 'boot'} of ${o.host}` : `host ${o.host}`;
  return { stale: age > staleMs, holder: `pid ${o.pid} on ${where}, renewed ${Math.round(age)} ms ago` };
}

const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/** Creates `file` with `content` only if it does not exist; false when it exists. Never leaves it half-written. */
async function createExclusive(file: string, content: string): Promise<boolean> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await fsp.writeFile(tmp, content);
  try {
    await fsp.link(tmp, file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return false;
    if (!LINK_UNSUPPORTED.has(code)) throw e;
  } finally {
    await fsp.unlink(tmp).catch(() => undefined);
  }
  // No hard links on this file system: an exclusive create (a crash right here leaves an empty
  // file, which contenders judge by age).
  try {
    await fsp.writeFile(file, content, { flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/**
 * Removes the stale lock instance `seen` unless someone else is already doing it. Exactly one
 * contender holds the takeover token of an instance at a time, and it deletes the lock only after
 * re-reading the same instance, still stale, while holding the token.
 */
async function breakStale(lockPath: string, seen: Seen, staleMs: number): Promise<void> {
  const instance = createHash('sha256')
    .update(`${seen.raw}\0${seen.ino}\0${seen.owner ? '' : seen.mtimeMs}`)
    .digest('hex')
    .slice(0, 16);
  const token = (gen: number) => `${lockPath}.break-${instance}-${gen}`;
  let gen = 1;
  for (let tries = 0; tries < 100; tries++) {
    if (!(await createExclusive(token(gen), JSON.stringify(newOwner())))) {
      const t = await inspect(token(gen));
      if (!t) continue; // its holder just finished: try the same generation again
      if (!judge(t, staleMs).stale) return; // another contender is taking it over right now
      gen++; // that contender died holding the token: the next generation supersedes it
      continue;
    }
    try {
      const now = await inspect(lockPath);
      if (now && now.raw === seen.raw && now.ino === seen.ino && judge(now, staleMs).stale) {
        await fsp.unlink(lockPath).catch(() => undefined);
      }
    } finally {
      for (let g = gen; g >= 1; g--) await fsp.unlink(token(g)).catch(() => undefined);
    }
    await sweep(lockPath);
    return;
  }
}

/** Removes temp files and takeover tokens of `lockPath` abandoned by crashed processes (older than 10 min). */
async function sweep(lockPath: string): Promise<void> {
  const dir = dirname(lockPath);
  const base = basename(lockPath);
  let names: string[] = [];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return;
  }
  const cutoff = Date.now() - 600_000;
  for (const n of names) {
    if (!n.startsWith(`${base}.`) || !(n.endsWith('.tmp') || n.startsWith(`${base}.break-`))) continue;
    const f = join(dir, n);
    try {
      if ((await fsp.stat(f)).mtimeMs < cutoff) await fsp.unlink(f);
    } catch {
      // gone
    }
  }
}

export class FileLockTimeoutError extends Error {
  constructor(
    readonly lockPath: string,
    readonly holder: string,
    readonly timeoutMs: number,
  ) {
    super(`lock ${lockPath} is held by ${holder}; gave up after ${timeoutMs} ms`);
    this.name = 'FileLockTimeoutError';
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Takes the lock (waiting asynchronously); resolves to its release function. */
export async function acquireFileLock(lockPath: string, options: FileLockOptions = {}): Promise<() => Promise<void>> {
  const o = { ...DEFAULTS, ...options };
  const deadline = Date.now() + o.timeoutMs;
  await fsp.mkdir(dirname(lockPath), { recursive: true });
  const owner = newOwner();
  const content = JSON.stringify(owner);
  let pause = 2;
  for (;;) {
    if (await createExclusive(lockPath, content)) break;
    const seen = await inspect(lockPath);
    if (!seen) continue; // released between our attempts
    const v = judge(seen, o.staleMs);
    if (v.stale) {
      await breakStale(lockPath, seen, o.staleMs);
      continue;
    }
    if (Date.now() >= deadline) throw new FileLockTimeoutError(lockPath, v.holder, o.timeoutMs);
    await sleep(Math.min(pause, Math.max(1, deadline - Date.now())) * (0.75 + Math.random() / 2));
    pause = Math.min(pause * 2, o.pollMs);
  }
  // Keep the lock fresh for contenders that can only judge it by age (other hosts / namespaces).
  const touch = setInterval(() => {
    const t = new Date();
    fsp.utimes(lockPath, t, t).catch(() => undefined);
  }, Math.max(100, Math.floor(o.staleMs / 4)));
  touch.unref();
  return async () => {
    clearInterval(touch);
    const now = await inspect(lockPath).catch(() => undefined);
    if (now?.owner?.nonce === owner.nonce) {
      await fsp.unlink(lockPath).catch(() => undefined);
    } else {
      process.emitWarning(`lock ${lockPath} was taken over while held (now: ${now ? judge(now, o.staleMs).holder : 'no lock file'})`);
    }
  };
}

/** Per-process queues: callers of one process wait for each other in memory, not by polling the file. */
const queues = new Map<string, Promise<void>>();

/**
 * Runs `fn` while holding the cross-process lock `lockPath`. `options` may be a number (the
 * timeout in ms). Throws `FileLockTimeoutError` ("lock … is held by …") when it cannot get the
 * lock in time; `fn`'s own error is rethrown after the lock is released.
 */
export async function withFileLock<T>(lockPath: string, fn: () => T | Promise<T>, options: number | FileLockOptions = {}): Promise<T> {
  const o: FileLockOptions = typeof options === 'number' ? { timeoutMs: options } : options;
  const timeoutMs = o.timeoutMs ?? DEFAULTS.timeoutMs;
  const key = resolve(lockPath);
  const started = Date.now();
  const before = queues.get(key) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((r) => (done = r));
  const tail = before.then(() => mine);
  queues.set(key, tail);
  try {
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([
      before.then(() => true),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (!waited) throw new FileLockTimeoutError(lockPath, `another caller in this process (pid ${process.pid})`, timeoutMs);
    const release = await acquireFileLock(lockPath, { ...o, timeoutMs: Math.max(0, timeoutMs - (Date.now() - started)) });
    try {
      return await fn();
    } finally {
      await release();
    }
  } finally {
    done();
    if (queues.get(key) === tail) queues.delete(key);
  }
}

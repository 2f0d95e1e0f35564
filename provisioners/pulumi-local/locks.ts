/**
 * DIY-backend stack locks (pulumi pkg/backend/diy/lock.go): while an update, refresh or destroy
 * runs, the CLI holds `<backend>/.pulumi/locks/<org>/<project>/<stack>/<uuid>.json` =
 * `{ pid, username, hostname, timestamp }`. A CLI killed with SIGKILL leaves its file behind and every
 * later operation fails with ConcurrentUpdateError. `pulumi cancel` deletes *all* locks of the
 * stack, so we delete only the files whose holder is provably dead (same host, pid gone).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface StackLock {
  file: string;
  pid: number;
  username: string;
  hostname: string;
  timestamp: string;
  /** local: same hostname as this process; alive: the holder pid runs (only knowable when local). */
  local: boolean;
  alive: boolean;
}

/** True when the pid exists and is not a zombie. */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
}

function lockDirs(backendDir: string, project: string, stack: string): string[] {
  const root = path.join(backendDir, '.pulumi', 'locks');
  const dirs: string[] = [];
  // Project-scoped layout `<org>/<project>/<stack>` (org is "organization" for DIY), and the legacy
  // flat layout `<stack>`.
  try {
    for (const org of fs.readdirSync(root)) {
      const d = path.join(root, org, project, stack);
      if (fs.existsSync(d)) dirs.push(d);
    }
  } catch {
    return dirs;
  }
  const legacy = path.join(root, stack);
  try {
    if (fs.statSync(legacy).isDirectory()) dirs.push(legacy);
  } catch {
    // none
  }
  return dirs;
}

export function listStackLocks(backendDir: string, project: string, stack: string): StackLock[] {
  const host = os.hostname();
  const locks: StackLock[] = [];
  for (const dir of lockDirs(backendDir, project, stack)) {
    let files: string[] = [];
    try {
      files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
    } catch {
      continue;
    }
    for (const f of files) {
      const file = path.join(dir, f);
      try {
        const c = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: number; username?: string; hostname?: string; timestamp?: string };
        const local = c.hostname === host;
        const pid = Number(c.pid ?? 0);
        locks.push({
          file,
          pid,
          username: c.username ?? '',
          hostname: c.hostname ?? '',
          timestamp: c.timestamp ?? '',
          local,
          alive: local ? pidAlive(pid) : true,
        });
      } catch {
        // Being written right now, or deleted between readdir and read: look again next time.
      }
    }
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

/** Deletes lock files whose holder is dead on this host; returns what was removed. */
export function clearStaleLocks(backendDir: string, project: string, stack: string): StackLock[] {
  const removed: StackLock[] = [];
  for (const l of listStackLocks(backendDir, project, stack)) {
    if (l.local && !l.alive) {
      try {
        fs.unlinkSync(l.file);
        removed.push(l);
      } catch {
        // someone else removed it
      }
    }
  }
  return removed;
}

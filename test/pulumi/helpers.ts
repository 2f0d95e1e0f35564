/**
 * Helpers of the Pulumi integration tests: temp roots, the OS process table of a pool, and the
 * leftover sweep every test file ends with.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pidAlive } from '../../provisioners/pulumi/locks';

export function tempRoot(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `kinetic-pulumi-${name}-`));
}

export interface ProcInfo {
  pid: number;
  cmdline: string;
  poolDir: string;
  tier?: string;
}

/** Live (non-zombie) processes whose environment has KINETIC_POOL_DIR under `prefix`. */
export function processesUnder(prefix: string): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const env = fs.readFileSync(`/proc/${d}/environ`, 'latin1').split('\0');
      const poolDir = env.find((e) => e.startsWith('KINETIC_POOL_DIR='))?.slice('KINETIC_POOL_DIR='.length);
      if (!poolDir || !(poolDir === prefix || poolDir.startsWith(prefix + path.sep))) continue;
      if (!pidAlive(Number(d))) continue;
      const cmdline = fs.readFileSync(`/proc/${d}/cmdline`, 'latin1').split('\0').join(' ').trim();
      const tier = env.find((e) => e.startsWith('KINETIC_TIER='))?.slice('KINETIC_TIER='.length);
      out.push({ pid: Number(d), cmdline, poolDir, tier });
    } catch {
      // exited meanwhile, or not readable
    }
  }
  return out;
}

/** Sample-service members (not the balancer) under `prefix`. */
export function membersUnder(prefix: string): ProcInfo[] {
  return processesUnder(prefix).filter((p) => p.cmdline.includes('sample-service'));
}

export function balancersUnder(prefix: string): ProcInfo[] {
  return processesUnder(prefix).filter((p) => p.cmdline.includes('load-balancer'));
}

/** SIGKILLs everything under `prefix` and returns how many processes had to be killed. */
export async function killLeftovers(prefix: string): Promise<number> {
  const procs = processesUnder(prefix);
  for (const p of procs) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline && processesUnder(prefix).length > 0) await new Promise((r) => setTimeout(r, 50));
  return procs.length;
}

/**
 * The end of a pool test file: destroy through the provisioner (a failure is logged, not thrown),
 * sweep what is left, remove the root. The test asserts `left` is empty and `killed` is 0: destroy
 * alone stopped everything.
 */
export async function destroyAndSweep(root: string, destroy: () => Promise<unknown>): Promise<{ killed: number; left: ProcInfo[] }> {
  try {
    await destroy();
  } catch (err) {
    console.error('destroy failed', err);
  }
  const killed = await killLeftovers(root);
  const left = processesUnder(root);
  fs.rmSync(root, { recursive: true, force: true });
  return { killed, left };
}

/** Pids of all descendants of `pid` (from /proc/<pid>/stat ppid links). */
export function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift() as number;
    for (const [child, pp] of parent) {
      if (pp === p) {
        out.push(child);
        queue.push(child);
      }
    }
  }
  return out;
}

export async function waitFor<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, what: string, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function plan(service: string, tiers: Record<string, number>, decisionId = `d-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`) {
  return { decisionId, service, tiers, total: Object.values(tiers).reduce((a, b) => a + b, 0) };
}

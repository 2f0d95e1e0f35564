/**
 * The cross-process file lock (store/file-lock.ts) with real OS processes: a dead owner's lock
 * taken over by several contenders at once, an empty lock file left by a crash, a recycled pid,
 * PID 1 of a restarted container, an owner on another host, and waiting without blocking the
 * event loop.
 *
 * `KINETIC_LOCK_IMPL=<file.ts>` runs the same tests against another implementation with the
 * `withFileLock(path, fn, timeoutMs)` signature (how the defects of the pre-issue-12 lock were shown).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireNamespaces, spawnNamespaced } from '../helpers/namespaces';

type WithFileLock = <T>(lockPath: string, fn: () => T | Promise<T>, timeoutMs?: number) => Promise<T> | T;

const IMPL = path.resolve(process.env.KINETIC_LOCK_IMPL ?? path.join(__dirname, '../../store/file-lock.ts'));
const CHILD = path.join(__dirname, 'fixtures', 'lock-child.cjs');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-file-lock-'));
const children: ChildProcess[] = [];
let implCjs: string;
let withFileLock: WithFileLock;

beforeAll(async () => {
  requireNamespaces();
  // Children run the implementation as plain CommonJS: no loader, no helper processes, fast start.
  implCjs = path.join(root, 'file-lock.cjs');
  const out = ts.transpileModule(fs.readFileSync(IMPL, 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
  fs.writeFileSync(implCjs, out.outputText);
  withFileLock = ((await import(IMPL)) as { withFileLock: WithFileLock }).withFileLock;
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(root, { recursive: true, force: true });
});

let n = 0;
const fresh = (name: string) => path.join(root, `${name}-${++n}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForFile(file: string, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') === '') {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${file}`);
    await sleep(10);
  }
  return fs.readFileSync(file, 'utf8');
}

function childArgv(lock: string, mode: string, ...args: Array<string | number>): string[] {
  return [process.execPath, CHILD, implCjs, lock, mode, ...args.map(String)];
}

function run(argv: string[], ns?: Parameters<typeof spawnNamespaced>[1]): ChildProcess {
  const [cmd, ...rest] = argv;
  const c = ns ? spawnNamespaced(argv, ns, { stdio: ['ignore', 'pipe', 'inherit'] }) : spawn(cmd, rest, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(c);
  return c;
}

interface Report {
  pid: number;
  ok: boolean;
  error?: string;
  waitedMs: number;
}

/** Collects the JSON lines a child prints until it exits. */
function reports(c: ChildProcess): Promise<Report[]> {
  let out = '';
  c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) =>
    c.once('exit', () =>
      resolve(
        out
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Report),
      ),
    ),
  );
}

async function kill(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise((r) => c.once('exit', r));
  c.kill('SIGKILL');
  await exited;
}

/** A lock whose owner was SIGKILLed while holding it (optionally in its own namespaces). */
async function deadOwnerLock(lock: string, ns?: Parameters<typeof spawnNamespaced>[1]): Promise<void> {
  const marker = fresh('held');
  const holder = run(childArgv(lock, 'hold-forever', marker), ns);
  await waitForFile(marker);
  await kill(holder);
  expect(fs.existsSync(lock)).toBe(true);
}

/** Max number of contenders inside the lock at once, from the enter/exit log. */
function maxInside(log: string): { max: number; entered: number } {
  let inside = 0;
  let max = 0;
  let entered = 0;
  for (const line of fs.readFileSync(log, 'utf8').split('\n')) {
    if (line.startsWith('enter')) {
      inside++;
      entered++;
    }
    if (line.startsWith('exit')) inside--;
    max = Math.max(max, inside);
  }
  return { max, entered };
}

describe('file lock across processes', () => {
  it('contenders racing for a dead owner’s lock enter one at a time', async () => {
    for (let round = 0; round < 8; round++) {
      const lock = fresh('race.lock');
      await deadOwnerLock(lock);
      const log = fresh('race.log');
      const go = fresh('go');
      const ready: string[] = [];
      const done: Array<Promise<Report[]>> = [];
      for (let i = 0; i < 8; i++) {
        ready.push(fresh('ready'));
        done.push(reports(run(childArgv(lock, 'contend', log, go, 30, 20_000, ready[i]))));
      }
      for (const r of ready) await waitForFile(r);
      fs.writeFileSync(go, String(Date.now() + 150));
      const results = (await Promise.all(done)).flat();
      expect(results.filter((r) => r.ok)).toHaveLength(8);
      expect(maxInside(log)).toEqual({ max: 1, entered: 8 });
    }
  }, 90_000);

  it('an empty lock file left by a crash between create and write is taken over once it is old', async () => {
    const lock = fresh('empty.lock');
    const marker = fresh('created');
    const crashed = run(childArgv(lock, 'crash-empty', marker));
    await waitForFile(marker);
    await kill(crashed);
    expect(fs.readFileSync(lock, 'utf8')).toBe('');
    const t0 = Date.now();
    await expect(Promise.resolve().then(() => withFileLock(lock, () => 42, 9_000))).resolves.toBe(42);
    // Judged by age (5 s untouched), not at once: a writer may be between create and write.
    expect(Date.now() - t0).toBeGreaterThan(3_000);
    expect(fs.existsSync(lock)).toBe(false);
  }, 30_000);

  it('a recycled pid does not keep a dead owner’s lock alive', async () => {
    // In a fresh pid namespace: the owner is killed holding the lock, and the next process is given
    // the owner's pid again (ns_last_pid) and asks for the lock.
    const lock = fresh('reuse.lock');
    const marker = fresh('held');
    const script = [
      `${q(process.execPath)} ${q(CHILD)} ${q(implCjs)} ${q(lock)} hold-forever ${q(marker)} & h=$!`,
      `while [ ! -s ${q(marker)} ]; do sleep 0.02; done`,
      'kill -9 $h; wait $h',
      'echo $((h - 1)) > /proc/sys/kernel/ns_last_pid',
      `echo "{\\"holder\\": $h}"`,
      `${q(process.execPath)} ${q(CHILD)} ${q(implCjs)} ${q(lock)} try 4000`,
    ].join('\n');
    const c = run(['sh', '-c', script], {});
    let out = '';
    c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => c.once('exit', r));
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Report & { holder?: number });
    const holder = lines.find((l) => l.holder !== undefined)?.holder;
    const attempt = lines.find((l) => l.holder === undefined);
    expect(holder).toBeGreaterThan(1);
    expect(attempt?.pid).toBe(holder); // really the same pid, a different process
    expect(attempt).toMatchObject({ ok: true });
    expect(attempt!.waitedMs).toBeLessThan(2_000); // the owner is provably dead: no waiting
  }, 30_000);

  it('PID 1 of a restarted container does not deadlock on the lock of the previous PID 1', async () => {
    const lock = fresh('pid1.lock');
    await deadOwnerLock(lock, {}); // PID 1 of its own pid namespace, killed with it
    const [attempt] = await reports(run(childArgv(lock, 'try', 9_000), {})); // PID 1 again, another namespace
    expect(attempt).toMatchObject({ pid: 1, ok: true });
  }, 30_000);

  it('an owner on another host is waited for while it holds the lock, and judged by age once it is gone', async () => {
    // The holder runs under another hostname with a pid that does not exist on this host.
    const lock = fresh('foreign.lock');
    const log = fresh('foreign.log');
    const marker = fresh('held');
    let pid = 20_000 + Math.floor(Math.random() * 5_000);
    while (fs.existsSync(`/proc/${pid}`)) pid++;
    const holder = run(childArgv(lock, 'hold', log, 2_500, marker), { hostname: 'kinetic-other-host', pid });
    const held = reports(holder);
    await waitForFile(marker);
    await Promise.resolve().then(() => withFileLock(lock, () => fs.appendFileSync(log, `enter ${process.pid}\nexit ${process.pid}\n`), 9_000));
    expect((await held)[0]).toMatchObject({ ok: true });
    expect(fs.readFileSync(log, 'utf8').trim().split('\n')).toEqual([`enter ${pid}`, `exit ${pid}`, `enter ${process.pid}`, `exit ${process.pid}`]);

    // The other host dies holding the lock: taken over once the lock has gone unrenewed for 5 s.
    const lock2 = fresh('foreign-dead.lock');
    await deadOwnerLock(lock2, { hostname: 'kinetic-other-host', pid });
    const t0 = Date.now();
    await expect(Promise.resolve().then(() => withFileLock(lock2, () => 'mine', 9_000))).resolves.toBe('mine');
    expect(Date.now() - t0).toBeGreaterThan(3_000);
  }, 40_000);

  it('waiting for a live owner does not block the event loop', async () => {
    const lock = fresh('busy.lock');
    const marker = fresh('held');
    const holder = run(childArgv(lock, 'hold-forever', marker));
    await waitForFile(marker);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 20);
    const err = await Promise.resolve()
      .then(() => withFileLock(lock, () => 1, 1_500))
      .then(
        () => undefined,
        (e: Error) => e,
      );
    clearInterval(timer);
    await kill(holder);
    expect(err?.message).toMatch(/is held by live pid \d+/);
    expect(ticks).toBeGreaterThan(30); // ~75 ticks of 20 ms while waiting 1.5 s
  }, 20_000);
});

describe('file lock within one process', () => {
  it('serialises concurrent callers, releases on error, and removes the lock file', async () => {
    const lock = fresh('local.lock');
    let inside = 0;
    let max = 0;
    const body = async () => {
      inside++;
      max = Math.max(max, inside);
      await sleep(5);
      inside--;
    };
    await Promise.all(Array.from({ length: 20 }, () => withFileLock(lock, body)));
    expect(max).toBe(1);
    await expect(
      Promise.resolve().then(() =>
        withFileLock(lock, () => {
          throw new Error('boom');
        }),
      ),
    ).rejects.toThrow('boom');
    expect(await withFileLock(lock, () => 7)).toBe(7);
    expect(fs.existsSync(lock)).toBe(false);
    expect(fs.readdirSync(root).filter((f) => f.startsWith(path.basename(lock)))).toEqual([]);
  });
});

function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

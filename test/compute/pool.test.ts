import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ComputeThreadError, createComputePool } from '../../compute';
import type { ComputePool } from '../../compute';
import { computeThreads } from '../../compute/threads';
import type { TASKS } from './test-tasks';

const tasksModule = join(__dirname, 'test-tasks.ts');
let pool: ComputePool<typeof TASKS> | undefined;
const make = (threads: number) => (pool = createComputePool<typeof TASKS>({ threads, tasksModule }));
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('compute pool', () => {
  it('runs tasks on real threads, as many at once as it has threads', async () => {
    const p = make(2);
    const shared = new SharedArrayBuffer(4);
    const [a, b] = await Promise.all([p.run('barrier', { shared, count: 2 }), p.run('barrier', { shared, count: 2 })]);
    expect(a.met && b.met).toBe(true);
    expect(a.threadId).not.toBe(b.threadId);
    expect([a.threadId, b.threadId]).not.toContain(threadId);
  });

  it('queues tasks beyond its size instead of starting more threads', async () => {
    const p = make(1);
    const shared = new SharedArrayBuffer(4);
    // With one thread the second barrier call can only start after the first gave up waiting.
    const first = p.run('barrier', { shared, count: 2, waitMs: 400 });
    expect(p.stats()).toMatchObject({ threads: 1, busy: 1 });
    const echo = p.run('echo', { value: 'queued' });
    expect(p.stats().queued).toBe(1);
    expect((await first).met).toBe(false);
    expect((await echo).value).toBe('queued');
  });

  it("rejects with the task's own error and keeps the thread", async () => {
    const p = make(1);
    const before = (await p.run('echo', { value: 1 })).threadId;
    const err = await p.run('fail', undefined as never).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('RangeError');
    expect((err as Error).message).toBe('bad input for the test');
    expect((await p.run('echo', { value: 2 })).threadId).toBe(before);
  });

  it('rejects a task whose thread calls process.exit, and replaces the thread', async () => {
    const p = make(1);
    const before = (await p.run('echo', { value: 1 })).threadId;
    const err = await p.run('exit', undefined as never).catch((e: Error) => e);
    expect(err).toBeInstanceOf(ComputeThreadError);
    expect((err as Error).message).toMatch(/compute thread crashed while running task 'exit' \(exit code 3\)/);
    const after = await p.run('echo', { value: 'still working' });
    expect(after.value).toBe('still working');
    expect(after.threadId).not.toBe(before);
    expect(p.stats().threads).toBe(1);
  });

  it('rejects a task whose thread throws an uncaught error, and keeps working', async () => {
    const p = make(2);
    const err = await p.run('uncaught', undefined as never).catch((e: Error) => e);
    expect(err).toBeInstanceOf(ComputeThreadError);
    expect((err as Error).message).toMatch(/task 'uncaught' \(an uncaught Error: boom outside the task\)/);
    const results = await Promise.all([1, 2, 3].map((value) => p.run('echo', { value })));
    expect(results.map((r) => r.value)).toEqual([1, 2, 3]);
    expect(p.stats().threads).toBeLessThanOrEqual(2);
  });

  it('says so when an output cannot be sent back, and names an unknown task', async () => {
    const p = make(1);
    await expect(p.run('unclonable', undefined as never)).rejects.toThrow(/returned a value that cannot be sent between threads/);
    await expect(p.run('nope' as 'echo', { value: 1 })).rejects.toThrow(/unknown compute task 'nope'/);
    await expect(p.run('echo', { value: () => 1 })).rejects.toThrow(/input cannot be sent to a thread/);
    expect((await p.run('echo', { value: 'ok' })).value).toBe('ok');
  });

  it('close() ends every thread and rejects running and queued tasks', async () => {
    const p = make(2);
    const beat = new SharedArrayBuffer(4);
    const counter = new Int32Array(beat);
    await Promise.all([p.run('heartbeat', { shared: beat }), p.run('heartbeat', { shared: beat })]);
    const alive = Atomics.load(counter, 0);
    await sleep(60);
    expect(Atomics.load(counter, 0)).toBeGreaterThan(alive);
    const running = p.run('uncaught', undefined as never).catch((e: Error) => e);
    const queued = [1, 2, 3].map((value) => p.run('echo', { value }).catch((e: Error) => e));
    await p.close();
    expect(p.stats()).toEqual({ threads: 0, busy: 0, queued: 0 });
    expect(String(await running)).toMatch(/closed while task 'uncaught' was running/);
    for (const q of await Promise.all(queued)) expect(q).toBeInstanceOf(ComputeThreadError);
    // No thread survives: their timers would keep bumping the counter.
    const stopped = Atomics.load(counter, 0);
    await sleep(80);
    expect(Atomics.load(counter, 0)).toBe(stopped);
  });

  it('sizes itself to the cores unless KINETIC_COMPUTE_THREADS says otherwise', () => {
    expect(computeThreads({})).toBeGreaterThanOrEqual(1);
    expect(computeThreads({ KINETIC_COMPUTE_THREADS: '3' })).toBe(3);
    expect(() => computeThreads({ KINETIC_COMPUTE_THREADS: 'all' })).toThrow(/KINETIC_COMPUTE_THREADS=all/);
    expect(() => computeThreads({ KINETIC_COMPUTE_THREADS: '0' })).toThrow(/>= 1/);
  });
});

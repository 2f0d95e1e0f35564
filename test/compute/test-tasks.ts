import { threadId } from 'node:worker_threads';
import type { TaskRegistry } from '../../compute/types';

/** Tasks for the pool's own tests: misbehaving on purpose, and observable from the test thread. */
export const TASKS = {
  echo: (input: { value: unknown }) => ({ value: input.value, threadId }),
  /** Each call waits (up to waitMs) until `count` calls are inside at once: true only if they ran in parallel. */
  barrier: ({ shared, count, waitMs = 5000 }: { shared: SharedArrayBuffer; count: number; waitMs?: number }) => {
    const cell = new Int32Array(shared);
    Atomics.add(cell, 0, 1);
    Atomics.notify(cell, 0);
    const deadline = Date.now() + waitMs;
    while (Atomics.load(cell, 0) < count && Date.now() < deadline) Atomics.wait(cell, 0, Atomics.load(cell, 0), 50);
    return { met: Atomics.load(cell, 0) >= count, threadId };
  },
  /** Leaves a timer in the thread that bumps a shared counter: it stops only when the thread dies. */
  heartbeat: ({ shared }: { shared: SharedArrayBuffer }) => {
    setInterval(() => Atomics.add(new Int32Array(shared), 0, 1), 5);
    return threadId;
  },
  fail: (): never => {
    throw new RangeError('bad input for the test');
  },
  exit: (): never => process.exit(3),
  uncaught: () => {
    setTimeout(() => {
      throw new Error('boom outside the task');
    }, 0);
    return new Promise<never>(() => undefined);
  },
  unclonable: () => ({ fn: () => 1 }),
} satisfies TaskRegistry;

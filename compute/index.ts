import { createComputePool } from './pool';
import type { TASKS } from './tasks';
import type { ComputePool } from './types';

/**
 * The process's shared compute pool: worker threads (one per core, KINETIC_COMPUTE_THREADS to
 * override) running the tasks of compute/tasks.ts, started on first use. Whoever owns the process
 * (the CLI command, the Temporal worker) calls closeComputePool() when it is done.
 */
export type KineticTasks = typeof TASKS;
export type KineticPool = ComputePool<KineticTasks>;

let shared: KineticPool | undefined;

export function computePool(): KineticPool {
  shared ??= createComputePool<KineticTasks>();
  return shared;
}

/** Terminate the shared pool's threads (a no-op when it never started). */
export async function closeComputePool(): Promise<void> {
  const pool = shared;
  shared = undefined;
  await pool?.close();
}

export { createComputePool, ComputeTaskError, ComputeThreadError, type PoolOptions } from './pool';
export { computeThreads } from './threads';
export type { ComputePool, PoolStats, Task, TaskInput, TaskOutput, TaskRegistry } from './types';

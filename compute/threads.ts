import { availableParallelism } from 'node:os';

/**
 * How many compute threads to run: one per core (os.availableParallelism honours CPU affinity
 * and container limits), or KINETIC_COMPUTE_THREADS when set.
 */
export function computeThreads(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.KINETIC_COMPUTE_THREADS;
  if (raw === undefined || raw.trim() === '') return Math.max(1, availableParallelism());
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`KINETIC_COMPUTE_THREADS=${raw}: expected a whole number >= 1`);
  return n;
}

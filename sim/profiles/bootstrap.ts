import type { Rng } from './rng';

/**
 * Block bootstrap: a new series made of whole blocks (days or weeks) drawn at random from the
 * history, so intra-day shape and noise stay realistic while the order of days varies.
 * Blocks are aligned to the history's start; the trailing partial block is never drawn.
 */
export function blockBootstrap(history: readonly number[], blockSteps: number, steps: number, rng: Rng): number[] {
  if (!Number.isInteger(blockSteps) || blockSteps < 1) throw new RangeError(`block length must be a positive integer, got ${blockSteps}`);
  const blocks = Math.floor(history.length / blockSteps);
  if (blocks < 1) throw new RangeError(`history has ${history.length} steps, fewer than one block of ${blockSteps}`);
  const out: number[] = [];
  while (out.length < steps) {
    const b = rng.int(blocks);
    for (let i = 0; i < blockSteps && out.length < steps; i++) out.push(history[b * blockSteps + i]);
  }
  return out;
}

/** Seeded synthetic series for the model tests (mulberry32 + Box–Muller: reproducible noise). */
import { expect } from 'vitest';
import { Forecast, QUANTILE_LEVELS } from '../../models/contract';
import { mulberry32 } from '../../models/random';

export const rng = mulberry32;

/** Every forecast: right length, finite, non-negative, quantiles ordered P05 ≤ … ≤ P99 at each step. */
export function expectSaneForecast(f: Forecast, horizon: number): void {
  expect(f.point).toHaveLength(horizon);
  for (const level of QUANTILE_LEVELS) expect(f.quantiles[level]).toHaveLength(horizon);
  for (let h = 0; h < horizon; h++) {
    expect(Number.isFinite(f.point[h])).toBe(true);
    expect(f.point[h]).toBeGreaterThanOrEqual(0);
    let prev = -Infinity;
    for (const level of QUANTILE_LEVELS) {
      const v = f.quantiles[level][h];
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeGreaterThanOrEqual(prev);
      prev = v;
    }
  }
}

export function gaussian(seed: number): () => number {
  const u = rng(seed);
  return () => Math.sqrt(-2 * Math.log(u() || 1e-12)) * Math.cos(2 * Math.PI * u());
}

/** level + amp·sin(2πt/season) + N(0, sd²). */
export function seasonalSeries(n: number, opts: { level?: number; amp?: number; season?: number; sd?: number; seed?: number } = {}): number[] {
  const { level = 50, amp = 10, season = 24, sd = 1, seed = 1 } = opts;
  const z = gaussian(seed);
  return Array.from({ length: n }, (_, t) => level + amp * Math.sin((2 * Math.PI * t) / season) + sd * z());
}

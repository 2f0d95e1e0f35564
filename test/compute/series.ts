import { mulberry32 } from '../../models/random';

/** Daily- and weekly-seasonal hourly-like series with seeded noise and a slow trend (no vitest import: from-tsx.ts uses it too). */
export function series(n: number, seed = 1): number[] {
  const u = mulberry32(seed);
  const z = () => Math.sqrt(-2 * Math.log(u() || 1e-12)) * Math.cos(2 * Math.PI * u());
  return Array.from({ length: n }, (_, t) => 100 + 0.02 * t + 20 * Math.sin((2 * Math.PI * t) / 24) + 8 * Math.sin((2 * Math.PI * t) / 168) + 3 * z());
}

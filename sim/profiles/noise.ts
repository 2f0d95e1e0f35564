import type { Rng } from './rng';

/**
 * Seeded noise on a demand series. `gaussian`: multiplicative, relative sd `level`;
 * `poisson`: counts drawn around the rate (the natural noise of request counts), then optional
 * relative noise on top. Never negative.
 */
export type NoiseKind = 'gaussian' | 'poisson';

export function applyNoise(series: readonly number[], kind: NoiseKind, level: number, rng: Rng): number[] {
  return series.map((v) => {
    const scaled = level > 0 ? v * Math.max(0, 1 + level * rng.normal()) : v;
    return kind === 'poisson' ? rng.poisson(scaled) : Math.max(0, scaled);
  });
}

import { mulberry32 } from '../../models/random';

/** Seeded randomness so a profile is reproducible from its seed (mulberry32, 32-bit state). */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** Poisson count with the given mean (Knuth for small means, normal approximation above 50). */
  poisson(mean: number): number;
}

export function seededRng(seed: number): Rng {
  const next = mulberry32(seed >>> 0 || 0x9e3779b9);
  const normal = () => {
    const u = Math.max(next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
  return {
    next,
    normal,
    int: (n) => Math.floor(next() * n),
    poisson(mean) {
      if (mean <= 0) return 0;
      if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal()));
      const limit = Math.exp(-mean);
      let k = 0;
      let p = next();
      while (p > limit) {
        k++;
        p *= next();
      }
      return k;
    },
  };
}

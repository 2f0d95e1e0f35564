/** Seeded synthetic series for the model tests (mulberry32 + Box–Muller: reproducible noise). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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

import { describe, expect, it } from 'vitest';
import { linearReferenceFrontier } from '../../bench/scaling/linear-reference';

// A sinusoid obeys d_t − m = 2cos(ω)(d_{t−1} − m) − (d_{t−2} − m): lags 1 and 2 plus an intercept
// forecast it exactly, so the reference must plan each boot window's true need.
describe('linear reference of bench:scaling', () => {
  const n = 2000;
  const warmup = 1000;
  const capacity = 1;
  const demand = Array.from({ length: n }, (_, t) => 20.3 + 7 * Math.sin((2 * Math.PI * t) / 20));

  it('plans the exact window need on a series its lags predict', () => {
    for (const bootSteps of [0, 1, 3]) {
      const [p] = linearReferenceFrontier(demand, { capacity, bootSteps, warmup }, [0.5], 3600);
      let expected = 0;
      for (let t = warmup; t < n; t++) {
        let peak = 0;
        for (let k = 0; k <= bootSteps && t + k < n; k++) peak = Math.max(peak, demand[t + k]);
        expected += Math.max(1, Math.ceil(peak / capacity));
      }
      // Only the hand-over can miss: the first B scored steps still count warm-up requests as ready.
      expect((p.slaViolationPct / 100) * (n - warmup)).toBeLessThanOrEqual(bootSteps + 1e-9);
      expect(p.instanceSteps).toBe(expected);
    }
  });

  it('buys more capacity at higher quantiles when the series has noise it cannot forecast', () => {
    let s = 7;
    const noise = () => ((s = (s * 16807) % 2147483647) / 2147483647 - 0.5) * 6;
    const noisy = demand.map((d) => d + noise());
    const [low, high] = linearReferenceFrontier(noisy, { capacity, bootSteps: 1, warmup }, [0.5, 0.99], 3600);
    expect(high.instanceSteps).toBeGreaterThan(low.instanceSteps);
    expect(high.slaViolationPct).toBeLessThan(low.slaViolationPct);
    expect(low.slaViolationPct).toBeGreaterThan(10);
  });
});

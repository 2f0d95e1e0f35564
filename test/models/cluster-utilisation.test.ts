import { describe, expect, it } from 'vitest';
import { fitRho, fitUtilisationModel, forecastUtilisation, type InstanceSeries } from '../../models/cluster-utilisation';
import { applyLoadMap, fitLoadMap } from '../../models/load-map';
import { mulberry32 } from '../../models/random';

describe('load map: CPU = floor + cost per request × request rate (hand-computed)', () => {
  it('recovers an exact line', () => {
    const m = fitLoadMap([1, 2, 3, 4], [0.15, 0.25, 0.35, 0.45]);
    expect(m.floor).toBeCloseTo(0.05, 12);
    expect(m.perRequest).toBeCloseTo(0.1, 12);
    expect(applyLoadMap(m, 10)).toBeCloseTo(1.05, 12);
  });

  it('is least squares when every residual is inside the Huber threshold', () => {
    // x̄ = ȳ = 1.5, Sxy = 4, Sxx = 5 → slope 0.8, floor 0.3; residuals ±0.3, ±0.9, MAD 0.6,
    // threshold 1.345 · 0.6 / 0.6745 = 1.196 > 0.9, so no step is down-weighted.
    const m = fitLoadMap([0, 1, 2, 3], [0, 2, 1, 3]);
    expect(m.perRequest).toBeCloseTo(0.8, 12);
    expect(m.floor).toBeCloseTo(0.3, 12);
  });

  it('is not tilted by one stalled step (least squares would be)', () => {
    const x = Array.from({ length: 11 }, (_, i) => i);
    const y = x.map((v) => 1 + 2 * v);
    y[10] = 100; // the line says 21: the busiest step stalled
    const m = fitLoadMap(x, y);
    expect(m.perRequest).toBeCloseTo(2, 6);
    expect(m.floor).toBeCloseTo(1, 6);
    // Least squares on the same points: Sxx = 110, Sxy = 220 + 5 · 79 = 615 → slope ≈ 5.59.
    const mx = 5;
    const my = y.reduce((a, b) => a + b, 0) / y.length;
    const ols = x.reduce((a, v, i) => a + (v - mx) * (y[i] - my), 0) / x.reduce((a, v) => a + (v - mx) ** 2, 0);
    expect(ols).toBeCloseTo(615 / 110, 9);
  });

  it('a cost per request cannot be negative: a falling fit becomes the level alone', () => {
    const m = fitLoadMap([1, 2, 3], [3, 2, 1]);
    expect(m.perRequest).toBe(0);
    expect(m.floor).toBeCloseTo(2, 12);
  });

  it('names the bad input', () => {
    expect(() => fitLoadMap([1, 2], [1])).toThrow(/2 load values but 1 utilisation/);
    expect(() => fitLoadMap([1, Number.NaN, 3], [1, 2, 3])).toThrow(/step 1 has a non-finite load/);
    expect(() => fitLoadMap([1], [1])).toThrow(/at least 2 steps/);
  });
});

describe('persisting share of an instance offset (rho)', () => {
  it('least squares through the origin, clamped to [0, 1]', () => {
    // Σ r·y = 1·0.5 + 2·1 = 2.5, Σ r² = 5 → 0.5.
    expect(fitRho([{ r: 1, y: 0.5 }, { r: 2, y: 1 }])).toBeCloseTo(0.5, 12);
    expect(fitRho([{ r: 1, y: 2 }])).toBe(1);
    expect(fitRho([{ r: 1, y: -1 }])).toBe(0);
    expect(fitRho([{ r: 0, y: 3 }])).toBe(0);
  });
});

describe('per-cluster utilisation model', () => {
  // Two instances whose CPU is exactly 0.01 + 0.02 × request rate, memory flat: the structure
  // explains CPU entirely, so the gate must switch the GRU's CPU correction off and the
  // forecast must be the line at the target's load forecast.
  const series = (id: string, phase: number): InstanceSeries => ({
    id,
    steps: Array.from({ length: 40 }, (_, t) => {
      const load = 5 + 3 * Math.sin(t / 4 + phase);
      return { fingerprint: [phase, 1 - phase], cpu: 0.01 + 0.02 * load, mem: 100, load, loadForecast: load };
    }),
  });

  it('forecasts CPU from the load map at the target step, and the gate switches the GRU off', async () => {
    const data = [series('a', 0), series('b', 1)];
    const m = await fitUtilisationModel(data, { horizon: 3, window: 4, trainUntil: 30, epochs: 3, seed: 1 });
    expect(m.cpuMap!.floor).toBeCloseTo(0.01, 9);
    expect(m.cpuMap!.perRequest).toBeCloseTo(0.02, 9);
    expect(m.rho).toBe(0); // no offsets from the line to persist
    expect(m.useNet![0]).toBe(false);
    const steps = data[0].steps.map((s) => ({ ...s }));
    steps[35] = { ...steps[35], loadForecast: 12 }; // a load the training never saw
    const f = forecastUtilisation(m, steps, 32);
    expect(f.cpu.p50).toBeCloseTo(0.01 + 0.02 * 12, 9);
    expect(f.cpu.p10).toBeLessThanOrEqual(f.cpu.p50);
    expect(f.cpu.p90).toBeGreaterThanOrEqual(f.cpu.p50);
  }, 60_000);

  // CPU = 0.01 + 0.02 × load + N(0, 0.01²) (nothing left for a net to learn), memory grows 1 MiB
  // per step (persistence is always h MiB short: a correction that helps in every block).
  const noisy = (id: string, phase: number, rand: () => number): InstanceSeries => ({
    id,
    steps: Array.from({ length: 150 }, (_, t) => {
      const load = 5 + 3 * Math.sin(t / 5 + phase);
      const noise = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()) * 0.01;
      return { fingerprint: [phase], cpu: 0.01 + 0.02 * load + noise, mem: 100 + t, load, loadForecast: load };
    }),
  });

  it('the cross-validated gate keeps the consistent memory correction, and the CPU band covers about 80 % of held-back targets', async () => {
    const rand = mulberry32(5);
    const data = [0, 1, 2, 3].map((i) => noisy(`m${i}`, i, rand));
    const h = 2;
    const m = await fitUtilisationModel(data, { horizon: h, window: 4, trainUntil: 100, epochs: 30, seed: 3 });
    expect(m.useNet![1]).toBe(true);
    expect(m.gate!.mem).toMatch(/lower error in every block and for every member/);
    // The held-back memory forecasts use the correction: much closer than persistence's 2 MiB.
    let memErr = 0;
    let covered = 0;
    let n = 0;
    for (const s of data) {
      for (let t = 100 - h; t + h < s.steps.length; t++) {
        const f = forecastUtilisation(m, s.steps, t);
        memErr += Math.abs(f.mem.p50 - s.steps[t + h].mem);
        if (s.steps[t + h].cpu >= f.cpu.p10 && s.steps[t + h].cpu <= f.cpu.p90) covered++;
        n++;
      }
    }
    expect(memErr / n).toBeLessThan(1);
    // 200 held-back targets: the binomial sd of an 80 % coverage is 2.8 points.
    expect(covered / n).toBeGreaterThan(0.7);
    expect(covered / n).toBeLessThan(0.9);
    // The band is about ±1.28 × 0.01 (the noise's own P10/P90), not the in-sample residuals' width.
    expect(m.upper[0] - m.lower[0]).toBeGreaterThan(2 * 1.2816 * 0.01 * 0.75);
    expect(m.upper[0] - m.lower[0]).toBeLessThan(2 * 1.2816 * 0.01 * 1.35);
  }, 120_000);
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mulberry32 } from '../../../models/random';
import { defaultPlannerOptions } from '../../../planning/predictive/options';
import { DemandPlanner } from '../../../planning/predictive/planner';

const window = { from: 1, to: 3 };
const options = (quantiles = [0.9]) => defaultPlannerOptions(300, window, quantiles);

/** A daily-shaped demand (period 48) with seeded noise. */
function demand(n: number, noise: number, seed = 1): number[] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, (_, t) => 100 + 40 * Math.sin((2 * Math.PI * t) / 48) + noise * (rand() - 0.5));
}

describe('demand planner', () => {
  it('with a model that knows the future shape, the plan tracks the true window peak with a small buffer', () => {
    const y = demand(3000, 0);
    const planner = new DemandPlanner(['oracle'], options(), { typical: 100, initialScale: 5 });
    const T = 2900;
    let last;
    for (let t = 1; t <= T; t++) {
      planner.observe(y[t - 1]);
      last = planner.plan({ oracle: [y[t], y[t + 1], y[t + 2]] });
    }
    expect(last!.calibrated).toBe(true);
    // Perfect paths: the forecast peak is the true peak of leads 1..3 and the buffer is (almost) nothing.
    expect(last!.peak).toBeCloseTo(Math.max(y[T], y[T + 1], y[T + 2]), 9);
    expect(last!.buffers[0].upper - last!.peak).toBeLessThan(0.5);
    expect(last!.buffers[0].demand).toBeGreaterThanOrEqual(y[T - 1]);
  });

  it('re-anchors a model with a constant bias to the observed level', () => {
    const y = demand(2000, 0);
    const planner = new DemandPlanner(['biased'], options(), { typical: 100, initialScale: 5 });
    let plan;
    for (let t = 1; t < 2000; t++) {
      planner.observe(y[t - 1]);
      plan = planner.plan({ biased: [y[t] - 30, y[t + 1] - 30, y[t + 2] - 30] });
    }
    // The anchor has learned the −30 bias: the anchored lead-1 forecast is the truth.
    expect(plan!.point[0]).toBeCloseTo(y[1999], 3);
  });

  it('is never below the newest observed demand (the reactive floor)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1000, noNaN: true }), { minLength: 5, maxLength: 120 }), (xs) => {
        const planner = new DemandPlanner(['flat'], options([0.5, 0.95]), { typical: 100, initialScale: 10 });
        for (const x of xs) {
          planner.observe(x);
          const plan = planner.plan({ flat: [1, 1, 1] });
          for (const b of plan.buffers) expect(b.demand).toBeGreaterThanOrEqual(x);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('missing data is flagged and learned from by nothing', () => {
    const y = demand(400, 5);
    const planner = new DemandPlanner(['naive'], options(), { typical: 100, initialScale: 5 });
    const naive = () => new Array(3).fill(planner.history[planner.history.length - 1]);
    for (let t = 0; t < 300; t++) {
      planner.observe(y[t]);
      planner.plan({ naive: naive() });
    }
    const before = planner.plan({ naive: naive() }).residuals;
    for (let t = 0; t < 20; t++) {
      planner.observe(NaN);
      const p = planner.plan({ naive: naive() });
      expect(p.dropout).toBe(true);
    }
    // Windows that touched missing data add no residual; the history carries the last value.
    expect(planner.plan({ naive: naive() }).residuals).toBe(before);
    expect(planner.history[planner.history.length - 1]).toBe(y[299]);
    planner.observe(y[300]);
    expect(planner.plan({ naive: naive() }).dropout).toBe(false);
  });

  it('combines by the learned weights, or by the median of the three heaviest', () => {
    const a = new DemandPlanner(['a', 'b', 'c', 'd'], options(), { typical: 10, initialScale: 1 });
    a.observe(10);
    a.setWeights({ a: 3, b: 1, c: 0, d: 0 });
    const paths = { a: [20, 20, 20], b: [40, 40, 40], c: [0, 0, 0], d: [100, 100, 100] };
    expect(a.plan(paths).point[0]).toBeCloseTo(0.75 * 20 + 0.25 * 40, 9); // 25
    const b = new DemandPlanner(['a', 'b', 'c', 'd'], { ...options(), combine: 'consensus' }, { typical: 10, initialScale: 1 });
    b.observe(10);
    b.setWeights({ a: 0.4, b: 0.3, c: 0.2, d: 0.1 });
    expect(b.plan(paths).point[0]).toBe(20); // median of a, b, c = 20, 40, 0
  });

  it('combines each lead with its lead bucket\'s weights, the pooled ones where no bucket has any', () => {
    const p = new DemandPlanner(['a', 'b'], options(), { typical: 10, initialScale: 1 });
    p.observe(10);
    const paths = { a: [20, 20, 20], b: [40, 40, 40] };
    p.setWeights({ a: 0.5, b: 0.5 }, [{ fromLead: 1, toLead: 1, weights: { a: 3, b: 1 } }]);
    const plan = p.plan(paths);
    // Lead 1: 0.75·20 + 0.25·40; leads 2–3 (no bucket): 0.5·20 + 0.5·40.
    expect(plan.point[0]).toBeCloseTo(25, 9);
    expect(plan.point[1]).toBeCloseTo(30, 9);
    expect(plan.point[2]).toBeCloseTo(30, 9);
    expect(p.weightsAt(1)).toEqual({ a: 0.75, b: 0.25 });
    expect(plan.weights).toEqual({ a: 0.5, b: 0.5 });
    p.setWeights({ a: 0.5, b: 0.5 }, [
      { fromLead: 1, toLead: 1, weights: { a: 3, b: 1 } },
      { fromLead: 2, toLead: 3, weights: { a: 0, b: 1 } },
    ]);
    expect(p.plan(paths).point).toEqual([25, 40, 40]);
    // Without per-lead weights every lead uses the pooled vector (records written before them).
    p.setWeights({ a: 3, b: 1 });
    expect(p.plan(paths).point).toEqual([25, 25, 25]);
  });

  it('hands Hedge each realised point with the lead it was predicted at', () => {
    const p = new DemandPlanner(['a'], options(), { typical: 10, initialScale: 1, observations: true });
    p.observe(10);
    p.plan({ a: [11, 12, 13] });
    p.observe(11);
    p.plan({ a: [21, 22, 23] });
    p.observe(12);
    expect(p.drainObservations()).toEqual([
      { actual: 11, predicted: { a: 11 }, lead: 1 },
      { actual: 12, predicted: { a: 12 }, lead: 2 },
      { actual: 12, predicted: { a: 21 }, lead: 1 },
    ]);
  });

  it('refuses paths shorter than the window, naming the model', () => {
    const p = new DemandPlanner(['ets'], options(), { typical: 10, initialScale: 1 });
    p.observe(1);
    expect(() => p.plan({ ets: [1] })).toThrow(/ets gave 1 steps; the window needs 3/);
  });
});

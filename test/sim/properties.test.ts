import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { need } from '../../sim/fleet';
import { oraclePolicy } from '../../sim/policies/oracle';
import { predictivePolicy } from '../../sim/policies/predictive';
import { reactivePolicy } from '../../sim/policies/reactive';
import { staticPeakPolicy } from '../../sim/policies/static-peak';
import { runPolicy, type SimulationInput } from '../../sim/simulate';

const trace = fc.record({
  demand: fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 8, maxLength: 60 }),
  capacity: fc.integer({ min: 1, max: 40 }),
  bootSteps: fc.integer({ min: 0, max: 4 }),
  warmupShare: fc.double({ min: 0.2, max: 0.8, noNaN: true }),
});
const toInput = (t: { demand: number[]; capacity: number; bootSteps: number; warmupShare: number }): SimulationInput => ({
  demand: t.demand,
  capacity: t.capacity,
  bootSteps: t.bootSteps,
  warmup: Math.max(1, Math.floor(t.demand.length * t.warmupShare)),
});

describe('simulator invariants', () => {
  it('oracle never violates once its own requests fill the boot window, and never beats the lower bound', async () => {
    await fc.assert(
      fc.asyncProperty(trace, async (t) => {
        const input = toInput(t);
        const o = await runPolicy(input, oraclePolicy());
        const W = input.warmup ?? 0;
        // Before W + B the ready count still includes warm-up requests (exact semantics), so a
        // rise right after the warm-up can be missed; from W + B on, every ready instance is the oracle's.
        for (let s = W + t.bootSteps; s < t.demand.length; s++) expect(o.underProvisioned[s]).toBe(false);
        expect(o.score.ratioToLowerBound).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 150 },
    );
  });

  it('oracle has zero violations when the warm-up already covers the start', async () => {
    const demand = [90, 90, 90, 90, 10, 80, 20, 90, 90, 5, 5, 60];
    const o = await runPolicy({ demand, capacity: 10, bootSteps: 2, warmup: 4 }, oraclePolicy());
    expect(o.score.underProvisionedSteps).toBe(0);
    expect(o.requested.slice(4)).toEqual([8, 9, 9, 9, 9, 6, 6, 6]);
  });

  it('no policy serves a step with fewer instances than its need: the lower bound is never beaten', async () => {
    await fc.assert(
      fc.asyncProperty(trace, async (t) => {
        const input = toInput(t);
        for (const policy of [reactivePolicy(), predictivePolicy({ retrainEvery: 3 }), oraclePolicy(), staticPeakPolicy()]) {
          const o = await runPolicy(input, policy);
          let served = 0;
          let bound = 0;
          for (let s = input.warmup ?? 0; s < t.demand.length; s++) {
            if (o.underProvisioned[s]) continue;
            served += o.requested[s];
            bound += need(t.demand[s], t.capacity);
          }
          expect(served).toBeGreaterThanOrEqual(bound);
          if (o.score.underProvisionedSteps === 0) expect(o.score.ratioToLowerBound).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('reactive and predictive are causal: changing the future never changes a past decision', async () => {
    await fc.assert(
      fc.asyncProperty(trace, fc.integer({ min: 0, max: 1000 }), async (t, bump) => {
        const input = toInput(t);
        const W = input.warmup ?? 0;
        const cut = W + Math.floor((t.demand.length - W) / 2);
        const changed = t.demand.map((d, i) => (i >= cut ? d + bump : d));
        for (const make of [() => reactivePolicy(), () => predictivePolicy({ retrainEvery: 2 })]) {
          const a = await runPolicy(input, make());
          const b = await runPolicy({ ...input, demand: changed }, make());
          // The decision at step cut only knows d_0 … d_{cut-1}.
          expect(b.requested.slice(0, cut + 1)).toEqual(a.requested.slice(0, cut + 1));
        }
      }),
      { numRuns: 40 },
    );
  });

  it('static-peak holds the scored peak need all along', async () => {
    const o = await runPolicy({ demand: [1, 1, 5, 30, 12], capacity: 10, bootSteps: 1, warmup: 2 }, staticPeakPolicy());
    expect(o.requested).toEqual([1, 1, 3, 3, 3]);
    expect(o.score.scaleEvents).toBe(1);
  });
});

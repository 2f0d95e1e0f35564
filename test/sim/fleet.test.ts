import { describe, expect, it } from 'vitest';
import { lowerBoundInstanceSteps, readyCounts, scoreFleet, withWarmup } from '../../sim/fleet';
import { planPolicy } from '../../sim/policies/plan';
import { runPolicy } from '../../sim/simulate';

// Hand-computed: C = 10, B = 1, W = 2, d = [5, 12, 25, 8, 30, 0].
// Warm-up r_0 = need(5) = 1, r_1 = need(12) = 2; the plan gives r_2..r_5 = [3, 3, 2, 4].
// ready (min of r_t, r_{t-1}) = [1, 1, 2, 3, 2, 2]; scored capacity = [20, 30, 20, 20].
const demand = [5, 12, 25, 8, 30, 0];
const params = { capacity: 10, bootSteps: 1, warmup: 2 };

describe('fleet simulator semantics (hand-computed)', () => {
  it('applies the warm-up need before W and the boot delay as a min over B+1 requests', () => {
    const requested = withWarmup(demand, [3, 3, 2, 4], params);
    expect(requested).toEqual([1, 2, 3, 3, 2, 4]);
    expect(readyCounts(requested, 1)).toEqual([1, 1, 2, 3, 2, 2]);
    expect(readyCounts(requested, 0)).toEqual(requested);
    expect(readyCounts([5, 1, 5, 5, 5], 2)).toEqual([5, 1, 1, 1, 5]);
  });

  it('scores every metric exactly as specified', () => {
    const run = scoreFleet(demand, withWarmup(demand, [3, 3, 2, 4], params), params, 0.5);
    expect(run.underProvisioned).toEqual([false, false, true, false, true, false]);
    expect(run.score.instanceSteps).toBe(12);
    expect(lowerBoundInstanceSteps(demand, params)).toBe(8); // 3 + 1 + 3 + 1 (need is at least 1)
    expect(run.score.ratioToLowerBound).toBeCloseTo(1.5, 12);
    expect(run.score.underProvisionedSteps).toBe(2);
    expect(run.score.slaViolationPct).toBeCloseTo(50, 12);
    expect(run.score.unservedPct).toBeCloseTo((15 / 63) * 100, 12); // (25-20) + (30-20) of 63
    expect(run.score.wastePct).toBeCloseTo(100 * (1 - 48 / 120), 12); // served 20+8+20+0 of 12·10
    expect(run.score.scaleEvents).toBe(3); // 2→3, 3→2, 2→4 (r_1 = 2 is the warm-up count)
    expect(run.score.cost).toBeCloseTo(6, 12);
  });

  it('a plan file may cover every step (warm-up entries ignored) or the scored steps only', async () => {
    const input = { demand, capacity: 10, bootSteps: 1, warmup: 2 };
    const full = await runPolicy(input, planPolicy('plan', [9, 9, 3, 3, 2, 4]));
    const scoredOnly = await runPolicy(input, planPolicy('plan', [3, 3, 2, 4]));
    expect(full.requested).toEqual([1, 2, 3, 3, 2, 4]);
    expect(scoredOnly.score).toEqual(full.score);
    await expect(runPolicy(input, planPolicy('plan', [1, 2, 3]))).rejects.toThrow(/6 steps.*4 scored/);
  });

  it('default warm-up is half the series', async () => {
    const out = await runPolicy({ demand: [1, 2, 3, 4, 5], capacity: 1, bootSteps: 0 }, planPolicy('p', [3, 4, 5]));
    expect(out.requested).toEqual([1, 2, 3, 4, 5]);
    expect(out.score.underProvisionedSteps).toBe(0);
  });
});

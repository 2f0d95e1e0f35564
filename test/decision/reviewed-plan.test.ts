import { describe, expect, it } from 'vitest';
import { planCapacity, type PlanSummary } from '../../decision/plan';
import { planGate } from '../../decision/plan-gate';
import { reviewPlan } from '../../decision/review';
import { planAndReview, planToReserve } from '../../decision/reviewed-plan';
import { forecastOf, singlePoolContext } from './context';

const NOW = 1_800_000_000_000;
const peak = (p90: number) => forecastOf({ p50: p90, p90, p99: p90 });

describe('plan, review and what to reserve in one step', () => {
  it('a scale-out is planned and reviewed exactly as by the two separate steps, and reserved whole', () => {
    const c = singlePoolContext();
    const one = planAndReview(c, peak(80), undefined, NOW);
    expect(one.plan).toMatchObject({ from: 4, to: 8, direction: 'out' });
    expect(one.plan).toEqual(planCapacity(c, peak(80)));
    expect(one.review).toEqual(reviewPlan(c, one.plan, NOW));
    expect(one.review?.policy.allowed).toBe(true);
    expect(planToReserve(one)).toEqual(one.plan);
  });

  it('a target override is planned like the plan step did', () => {
    const one = planAndReview(singlePoolContext(), peak(40), 7, NOW);
    expect(one.plan).toMatchObject({ from: 4, to: 7 });
    expect(planToReserve(one)).toMatchObject({ from: 4, to: 7 });
  });

  it('a plan that changes nothing is neither reviewed nor reserved', () => {
    const one = planAndReview(singlePoolContext(), peak(40), undefined, NOW);
    expect(one.plan).toMatchObject({ from: 4, to: 4, direction: 'none' });
    expect(planGate(one.plan)).toBe('no-change');
    expect(one.review).toBeUndefined();
    expect(planToReserve(one)).toBeUndefined();
  });

  it('a plan the policy refuses is reviewed but not reserved', () => {
    const cooling = singlePoolContext({ lastCommittedAt: NOW - 10_000, policy: { cooldownSeconds: 300 } });
    const one = planAndReview(cooling, peak(80), undefined, NOW);
    expect(one.review?.policy.allowed).toBe(false);
    expect(one.review?.policy.checks.filter((ch) => !ch.passed).map((ch) => ch.id)).toEqual(['cooldown']);
    expect(planToReserve(one)).toBeUndefined();
  });

  it('a staged scale-in reserves the stage the review applies now, not the whole plan', () => {
    const staged = singlePoolContext({
      current: { service: 'web', tiers: { default: 8 }, total: 8 },
      policy: { stagedScaleIn: { stepPercent: 25, minStep: 1, observationSeconds: 3600 } },
    });
    const one = planAndReview(staged, peak(15), undefined, NOW);
    expect(one.plan).toMatchObject({ from: 8, to: 2 });
    expect(planToReserve(one)).toMatchObject({ from: 8, to: 6, staged: { plannedTo: 2, remaining: 4 } });
  });
});

describe('the gate after the plan', () => {
  const base: PlanSummary = { ...planCapacity(singlePoolContext(), peak(40)) };

  it('goes on to review a change of total, a new tier mix or a new template; stops on no change or no allocation', () => {
    expect(planGate(base)).toBe('no-change');
    expect(planGate({ ...base, to: 5, direction: 'out', tiers: { default: { from: 4, to: 5 } } })).toBe('review');
    // Same total, new mix: a rebalance is a change.
    expect(planGate({ ...base, tiers: { spot: { from: 2, to: 3 }, onDemand: { from: 2, to: 1 } } })).toBe('review');
    expect(planGate({ ...base, vertical: { fromVersion: 1, toVersion: 2, summary: 'template v1 → v2' } as PlanSummary['vertical'] })).toBe('review');
    const failed = { status: 'FAILURE', reasons: ['the limits cannot cover the need'] } as unknown as PlanSummary['allocation'];
    expect(planGate({ ...base, to: 9, direction: 'out', allocation: failed })).toBe('infeasible');
  });
});

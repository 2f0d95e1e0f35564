import { describe, expect, it } from 'vitest';
import { approvalRequirement } from '../../planning/approval';
import { checkBudget, projectedMonthlyCost } from '../../planning/budget';
import { instancesNeeded, planningWindow } from '../../planning/capacity';
import { evaluatePolicies } from '../../planning/policy-engine';

describe('capacity', () => {
  const base = { capacityPerInstance: 50, targetUtilization: 0.8, minInstances: 2, maxInstances: 10 };
  it('ceil(peak / (capacity × utilisation)), clamped', () => {
    expect(instancesNeeded({ ...base, peakDemand: 200 })).toEqual({ needed: 5, target: 5 });
    expect(instancesNeeded({ ...base, peakDemand: 201 })).toEqual({ needed: 6, target: 6 });
    expect(instancesNeeded({ ...base, peakDemand: 10 })).toEqual({ needed: 1, target: 2, clampedBy: 'min' });
    expect(instancesNeeded({ ...base, peakDemand: 1000 })).toEqual({ needed: 25, target: 10, clampedBy: 'max' });
    expect(() => instancesNeeded({ ...base, peakDemand: NaN })).toThrow(/peakDemand must be a finite number/);
  });
  it('the window covers [lead, lead + interval) in steps', () => {
    expect(planningWindow(600, 300, 300)).toEqual({ fromStep: 2, toStep: 3, horizon: 3 });
    expect(planningWindow(0, 10, 60)).toEqual({ fromStep: 0, toStep: 1, horizon: 1 });
  });
});

describe('policy (the engine with the classic fields only)', () => {
  const cfg = { minInstances: 1, maxInstances: 10, tierLimits: {}, maxStep: { absolute: 3 }, cooldownSeconds: 300, scaleInStabilizationSeconds: 600, freezeWindows: [], requireApproval: {} };
  type Over = { target?: number; lastCommittedAt?: number; recentRecommendations?: Array<{ at: number; target: number }> };
  const evaluatePolicy = (o: Over) =>
    evaluatePolicies(cfg, {
      now: 1_000_000,
      current: { total: 4, tiers: {} },
      planned: { total: o.target ?? 5, tiers: {} },
      hourlyCostBefore: 0,
      hourlyCostAfter: 0,
      spotShare: 0,
      lastCommittedAt: o.lastCommittedAt,
      recentRecommendations: o.recentRecommendations ?? [],
    });
  it('allows a small change outside cooldown', () => {
    expect(evaluatePolicy({ lastCommittedAt: 1_000_000 - 301_000 }).allowed).toBe(true);
  });
  it('rejects large steps, out-of-bounds targets and decisions inside the cooldown, with rule ids', () => {
    const v = evaluatePolicy({ target: 11, lastCommittedAt: 1_000_000 - 10_000 });
    expect(v.allowed).toBe(false);
    expect(v.checks.filter((c) => !c.passed).map((c) => c.rule)).toEqual(['bounds', 'max-step', 'cooldown']);
  });
  it('holds a scale-in while a higher recommendation is inside the window, not after', () => {
    const recent = [{ at: 1_000_000 - 100_000, target: 6 }];
    expect(evaluatePolicy({ target: 3, recentRecommendations: recent }).allowed).toBe(false);
    const old = [{ at: 1_000_000 - 700_000, target: 6 }];
    expect(evaluatePolicy({ target: 3, recentRecommendations: old }).allowed).toBe(true);
    // Scale-out is never held by stabilisation.
    expect(evaluatePolicy({ target: 6, recentRecommendations: recent }).checks.map((c) => c.rule)).not.toContain('scale-in-stabilization');
  });
});

describe('budget and approval', () => {
  it('projects a month of run-rate and compares with the pool limit', () => {
    expect(projectedMonthlyCost(4, 0.1)).toBeCloseTo(292.2);
    const ok = checkBudget({ pool: 'p', monthlyLimit: 500, projected: 292.2, committedOthers: 100, reservedOthers: 100 });
    expect(ok.allowed).toBe(true);
    const no = checkBudget({ pool: 'p', monthlyLimit: 400, projected: 292.2, committedOthers: 100, reservedOthers: 100 });
    expect(no.allowed).toBe(false);
    expect(no.message).toMatch(/projected 492\.20\/month .* exceeds the p budget of 400\.00/);
  });
  it('auto-approves inside the bounds and explains every reason it cannot', () => {
    const rules = { maxStepChange: 2, maxHourlyCostIncrease: 0.15, allowScaleIn: false };
    expect(approvalRequirement(4, 5, 0.1, rules)).toEqual({ auto: true, reasons: [] });
    const big = approvalRequirement(4, 8, 0.4, rules);
    expect(big.auto).toBe(false);
    expect(big.reasons).toHaveLength(2);
    expect(approvalRequirement(4, 3, -0.1, rules).reasons).toEqual(['scale-in needs a person (autoApprove.allowScaleIn is false)']);
  });
});

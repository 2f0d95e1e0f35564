import { describe, expect, it } from 'vitest';
import { withBudgetReasons } from '../../decision/approval';
import { planCapacity } from '../../decision/plan';
import { reviewBudget, reviewPlan } from '../../decision/review';
import { checkBudget } from '../../planning/budget';
import { forecastOf, singlePoolContext } from './context';

const NOW = 1_800_000_000_000;
const peak = (p90: number) => forecastOf({ p50: p90, p90, p99: p90 });
const templates = [
  { version: 1, computeType: 'cpu', instanceTypes: ['c5.xlarge'] },
  { version: 2, computeType: 'cpu', instanceTypes: ['c6i.xlarge'] },
];

describe('one review lists every reason a person must approve', () => {
  // 4 → 8 instances at 0.10/h: +4 instances, +0.40/h, +100%, and a new template.
  const c = singlePoolContext({
    approval: { autoApprove: { maxStepChange: 2, maxHourlyCostIncrease: 0.15, allowScaleIn: true }, approvers: ['alice'], timeoutSeconds: 60 },
    policy: { requireApproval: { costDeltaPerHourAbove: 0.2, changePercentAbove: 50 } },
    template: { templates, active: 2, applied: 1 },
    budget: { onExceed: 'require-approval', tags: {} },
  });
  const plan = planCapacity(c, peak(80));

  it('classic bounds, policy conditions and the template change from the policy step; the budget adds its own', () => {
    expect(plan).toMatchObject({ from: 4, to: 8 });
    const review = reviewPlan(c, plan, NOW);
    expect(review.policy.allowed).toBe(true);
    expect(review.plan).toBe(plan);
    expect(review.approval.auto).toBe(false);
    expect(review.approval.reasons.slice(0, 4)).toEqual([
      'change of 4 is above the auto-approve limit of 2',
      'cost increase of 0.40/h is above the auto-approve limit of 0.15/h',
      'approval:cost-delta: cost rises by 0.40/h (0.40 → 0.80), above 0.20/h',
      'approval:change-percent: change of +4 (4 → 8, 100%) is above 50%',
    ]);
    expect(review.approval.reasons[4]).toMatch(/^approval:vertical-change: template v1 → v2 \(c6i\.xlarge\): /);
    expect(review.approval.reasons).toHaveLength(5);

    // 8 × 0.10/h × 730.5 h = 584.40/month against a pool budget of 500.
    const pool = checkBudget({ pool: 'web', monthlyLimit: 500, projected: 584.4, committedOthers: 0, reservedOthers: 0 });
    const budget = reviewBudget({ plan: review.plan, pool, onExceed: 'require-approval', approval: review.approval });
    const why = 'budget: projected 584.40/month (this service 584.40 + others 0.00 + pending 0.00) exceeds the web budget of 500.00 (budget.onExceed is require-approval)';
    expect(budget.allowed).toBe(true);
    expect(budget.approvalReasons).toEqual([why]);
    expect(budget.approval).toEqual({ auto: false, reasons: [...review.approval.reasons, why] });
  });

  it('nothing to approve inside every bound', () => {
    const quiet = singlePoolContext();
    const review = reviewPlan(quiet, planCapacity(quiet, peak(45)), NOW);
    expect(review.approval).toEqual({ auto: true, reasons: [] });
    const pool = checkBudget({ pool: 'web', monthlyLimit: 1000, projected: 365.25, committedOthers: 0, reservedOthers: 0 });
    const budget = reviewBudget({ plan: review.plan, pool, onExceed: 'require-approval', approval: review.approval });
    expect(budget).toMatchObject({ allowed: true, approvalReasons: undefined, approval: { auto: true, reasons: [] } });
  });
});

describe('the staged plan', () => {
  const staged = singlePoolContext({
    current: { service: 'web', tiers: { default: 8 }, total: 8 },
    approval: { autoApprove: { maxStepChange: 2, maxHourlyCostIncrease: Infinity, allowScaleIn: true }, approvers: [], timeoutSeconds: 60 },
    policy: { stagedScaleIn: { stepPercent: 25, minStep: 1, observationSeconds: 3600 } },
  });
  const plan = planCapacity(staged, peak(15));

  it('cuts 8 → 2 to one stage of ceil(25% × 8) = 2 and prices the stage', () => {
    expect(plan).toMatchObject({ from: 8, to: 2 });
    const review = reviewPlan(staged, plan, NOW);
    const message = 'scale-in of 6 cut to a stage of 2 (8 → 6); 4 more after 3600s of observation';
    expect(review.plan).toMatchObject({
      from: 8,
      to: 6,
      direction: 'in',
      tiers: { default: { from: 8, to: 6 } },
      staged: { plannedTo: 2, remaining: 4, observationSeconds: 3600, message },
      reason: `${plan.reason}; ${message}`,
    });
    expect(review.plan.hourlyCostBefore).toBeCloseTo(0.8, 9);
    expect(review.plan.hourlyCostAfter).toBeCloseTo(0.6, 9);
  });

  it('the classic bounds still judge the whole planned change, as before the review existed', () => {
    expect(reviewPlan(staged, plan, NOW).approval.reasons).toEqual(['change of -6 is above the auto-approve limit of 2']);
  });

  it('a rejected plan is not staged', () => {
    const cooling = { ...staged, lastCommittedAt: NOW - 10_000, policy: { ...staged.policy, cooldownSeconds: 300 } };
    const review = reviewPlan(cooling, plan, NOW);
    expect(review.policy.allowed).toBe(false);
    expect(review.policy.checks.filter((ch) => !ch.passed).map((ch) => ch.id)).toEqual(['cooldown']);
    expect(review.plan).toBe(plan);
  });
});

describe('the budget review', () => {
  const c = singlePoolContext();
  const out = planCapacity(c, peak(80)); // 4 → 8: 0.40/h → 0.80/h
  const inward = planCapacity(c, peak(25)); // 4 → 3
  const over = { allowed: false, message: 'pool over' };
  const within = { allowed: true, message: 'pool within' };
  const asked = { auto: false, reasons: ['change of 4 is above the auto-approve limit of 2'] };

  it('rejects a scale-out over any level by default, without approval reasons', () => {
    const r = reviewBudget({ plan: out, pool: within, hierarchy: { allowed: false, message: 'exceeds project shop' }, onExceed: 'reject', approval: asked });
    expect(r).toEqual({ allowed: false, message: 'pool within; exceeds project shop', approvalReasons: undefined, approval: asked });
  });

  it('never blocks a change that lowers the hourly cost', () => {
    const r = reviewBudget({ plan: inward, pool: over, onExceed: 'reject', approval: { auto: true, reasons: [] } });
    expect(r).toEqual({ allowed: true, message: 'pool over; allowed because the change lowers the hourly cost', approvalReasons: undefined, approval: { auto: true, reasons: [] } });
  });

  it('with require-approval an over-budget scale-out goes to a person after the policy reasons', () => {
    const r = reviewBudget({ plan: out, pool: over, onExceed: 'require-approval', approval: asked });
    expect(r.allowed).toBe(true);
    expect(r.approval).toEqual({ auto: false, reasons: [...asked.reasons, 'budget: pool over (budget.onExceed is require-approval)'] });
  });
});

describe('withBudgetReasons', () => {
  it('keeps the requirement without budget reasons and requires a person with any', () => {
    const auto = { auto: true, reasons: [] };
    expect(withBudgetReasons(auto, undefined)).toBe(auto);
    expect(withBudgetReasons(auto, [])).toBe(auto);
    expect(withBudgetReasons(auto, ['budget: over'])).toEqual({ auto: false, reasons: ['budget: over'] });
  });
});

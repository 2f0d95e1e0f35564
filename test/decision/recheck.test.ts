import { describe, expect, it } from 'vitest';
import { recheckApprovedPlan, reproposalReason } from '../../decision/recheck';

const plan = { from: 2, to: 6, tiers: { default: { from: 2, to: 6 } } };
const base = { plan, fleet: { total: 2, tiers: { default: 2 } }, plannedAt: 0, now: 60_000, maxPlanAgeSeconds: 900, policyFailures: [] };

describe('re-checking an approved plan', () => {
  it('passes when the fleet, the policy and the age still fit', () => {
    expect(recheckApprovedPlan(base)).toEqual({ ok: true, reasons: [], fleetTotal: 2, ageSeconds: 60 });
  });

  it('names every reason the plan no longer fits', () => {
    const v = recheckApprovedPlan({ ...base, fleet: { total: 4, tiers: { default: 4 } }, now: 1_000_000, policyFailures: ['freeze:release: frozen'] });
    expect(v.reasons).toEqual([
      'fleet changed from 2 to 4 instances while waiting for approval',
      'the plan is 1000s old, older than approval.maxPlanAge (900s)',
      'the policy no longer allows it: freeze:release: frozen',
    ]);
    expect(reproposalReason(v, plan)).toMatch(/^plan re-proposed: fleet changed from 2 to 4 instances while waiting for approval; .*the approved 2 → 6 was not applied.*the next decision plans from the fleet of 4/);
    expect(reproposalReason(v, plan, { from: 4, to: 6 })).toMatch(/; new proposal 4 → 6 \(the next decision plans it with a fresh forecast and asks again\)$/);
  });

  it('a new mix of tiers with the same total is a changed fleet', () => {
    const tiered = { from: 3, to: 5, tiers: { a: { from: 2, to: 3 }, b: { from: 1, to: 2 } } };
    const v = recheckApprovedPlan({ ...base, plan: tiered, fleet: { total: 3, tiers: { a: 1, b: 2 } } });
    expect(v.reasons).toEqual(['fleet changed from a=2, b=1 to a=1, b=2 while waiting for approval']);
  });
});

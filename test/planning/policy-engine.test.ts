import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluatePolicies, PolicyConfig, PolicyContext, tierMatches, TierCounts } from '../../planning/policy-engine';
import { evaluatePolicy } from './classic-policy';
import { stageSize, stageTiers } from '../../planning/staged-scale-in';

const NOW = Date.parse('2026-11-18T12:00:00Z'); // a Wednesday

const cfg = (over: Partial<PolicyConfig> = {}): PolicyConfig => ({
  minInstances: 1,
  maxInstances: 100,
  tierLimits: {},
  maxStep: { absolute: 3 },
  cooldownSeconds: 300,
  scaleInStabilizationSeconds: 600,
  freezeWindows: [],
  requireApproval: {},
  ...over,
});

const fleet = (total: number, tiers: Record<string, number> = {}): TierCounts => ({ total, tiers });

const ctx = (over: Partial<PolicyContext> = {}): PolicyContext => ({
  now: NOW,
  current: fleet(4),
  planned: fleet(5),
  hourlyCostBefore: 0.4,
  hourlyCostAfter: 0.5,
  spotShare: 0,
  recentRecommendations: [],
  ...over,
});

const failed = (d: ReturnType<typeof evaluatePolicies>) => d.checks.filter((c) => !c.passed).map((c) => c.id);

describe('policy engine: the checks of planning/policy.ts', () => {
  it('allows a small change outside the cooldown and targets the plan', () => {
    const d = evaluatePolicies(cfg(), ctx({ lastCommittedAt: NOW - 301_000 }));
    expect(d.allowed).toBe(true);
    expect(d.target).toEqual(fleet(5));
    expect(d.staged).toBeUndefined();
    expect(d.checks.map((c) => c.id)).toEqual(['bounds', 'max-step', 'cooldown']);
  });

  it('rejects large steps, out-of-bounds targets and decisions inside the cooldown, with rule ids', () => {
    const d = evaluatePolicies(cfg({ maxInstances: 10 }), ctx({ planned: fleet(11), lastCommittedAt: NOW - 10_000 }));
    expect(d.allowed).toBe(false);
    expect(failed(d)).toEqual(['bounds', 'max-step', 'cooldown']);
    expect(d.checks.find((c) => c.id === 'bounds')!.message).toBe('11 is outside [1, 10]');
    expect(d.checks.find((c) => c.id === 'cooldown')!.message).toBe('only 10s since the last committed decision; cooldown is 300s');
  });

  it('max step in percent: the message carries the numbers', () => {
    const d = evaluatePolicies(cfg({ maxStep: { percent: 25 } }), ctx({ current: fleet(15), planned: fleet(9) }));
    const step = d.checks.find((c) => c.id === 'max-step')!;
    expect(step.passed).toBe(false);
    expect(step.message).toMatch(/^change of -6 \(−40%\) exceeds max step 25%/);
    expect(evaluatePolicies(cfg({ maxStep: { percent: 40 } }), ctx({ current: fleet(15), planned: fleet(9) })).allowed).toBe(true);
    // Both limits: either one rejects.
    const both = evaluatePolicies(cfg({ maxStep: { absolute: 10, percent: 10 } }), ctx({ current: fleet(15), planned: fleet(17) }));
    expect(both.checks.find((c) => c.id === 'max-step')!.message).toMatch(/change of 2 \(\+13\.3%\) exceeds max step 10%/);
  });

  it('holds a scale-in while a higher recommendation is inside the stabilisation window, not after', () => {
    const recent = [{ at: NOW - 100_000, target: 6 }];
    const held = evaluatePolicies(cfg(), ctx({ planned: fleet(3), recentRecommendations: recent }));
    expect(failed(held)).toEqual(['scale-in-stabilization']);
    expect(held.checks.find((c) => c.id === 'scale-in-stabilization')!.message).toMatch(/recommendation of 6 was made in the last 600s/);
    expect(evaluatePolicies(cfg(), ctx({ planned: fleet(3), recentRecommendations: [{ at: NOW - 700_000, target: 6 }] })).allowed).toBe(true);
    const out = evaluatePolicies(cfg(), ctx({ planned: fleet(6), recentRecommendations: recent }));
    expect(out.checks.map((c) => c.rule)).not.toContain('scale-in-stabilization');
  });
  it('agrees with planning/policy.ts on the rules both have', () => {
    fc.assert(
      fc.property(
        fc.record({
          current: fc.integer({ min: 0, max: 20 }), target: fc.integer({ min: 0, max: 20 }), step: fc.integer({ min: 0, max: 6 }),
          sinceCommit: fc.option(fc.integer({ min: 0, max: 900 }), { nil: undefined }),
          recs: fc.array(fc.record({ ago: fc.integer({ min: 0, max: 1200 }), target: fc.integer({ min: 0, max: 20 }) }), { maxLength: 3 }),
        }),
        ({ current, target, step, sinceCommit, recs }) => {
          const rules = { minInstances: 2, maxInstances: 15, maxStepChange: step, cooldownSeconds: 300, scaleInStabilizationSeconds: 600 };
          const recentRecommendations = recs.map((r) => ({ at: NOW - r.ago * 1000, target: r.target }));
          const lastCommittedAt = sinceCommit === undefined ? undefined : NOW - sinceCommit * 1000;
          const old = evaluatePolicy({ current, target, now: NOW, lastCommittedAt, recentRecommendations, rules });
          const d = evaluatePolicies(
            cfg({ minInstances: 2, maxInstances: 15, maxStep: { absolute: step } }),
            ctx({ current: fleet(current), planned: fleet(target), lastCommittedAt, recentRecommendations }),
          );
          expect(d.allowed).toBe(old.allowed);
          expect(d.checks.map((c) => [c.rule, c.passed])).toEqual(old.checks.map((c) => [c.rule, c.passed]));
        },
      ),
      { numRuns: 300, seed: 3 },
    );
  });
});

describe('tier bounds', () => {
  it('matches `*` segments of tier ids', () => {
    expect(tierMatches('*/*/spot', 'cpu/us-east-1/spot')).toBe(true);
    expect(tierMatches('*/*/spot', 'cpu/us-east-1/on-demand')).toBe(false);
    expect(tierMatches('gpu/*/*', 'gpu/eu-west-1/spot')).toBe(true);
    expect(tierMatches('gpu/*', 'gpu/eu-west-1/spot')).toBe(false);
    expect(tierMatches('cpu/us-*/spot', 'cpu/us-west-2/spot')).toBe(true);
    expect(tierMatches('cpu/us.east/spot', 'cpu/usXeast/spot')).toBe(false);
  });

  it('holds every matching tier to the bounds, by pattern or exact id', () => {
    const planned = fleet(12, { 'cpu/us-east-1/spot': 6, 'cpu/us-west-2/spot': 2, 'cpu/us-east-1/on-demand': 4 });
    const current = fleet(12, { 'cpu/us-east-1/spot': 6, 'cpu/us-west-2/spot': 2, 'cpu/us-east-1/on-demand': 4 });
    const d = evaluatePolicies(
      cfg({ tierLimits: { '*/*/spot': { max: 5 }, 'gpu/*/*': { min: 1 }, 'cpu/us-east-1/on-demand': { min: 2, max: 4 }, 'cpu/eu-west-1/on-demand': { min: 1 } } }),
      ctx({ current, planned }),
    );
    const byId = Object.fromEntries(d.checks.map((c) => [c.id, c]));
    expect(byId['tier-bounds:*/*/spot']).toMatchObject({ rule: 'tier-bounds', passed: false, message: 'cpu/us-east-1/spot=6 outside [0, 5] for */*/spot' });
    expect(byId['tier-bounds:gpu/*/*']).toMatchObject({ passed: true, message: 'no planned tier matches gpu/*/*' });
    expect(byId['tier-bounds:cpu/us-east-1/on-demand']).toMatchObject({ passed: true, message: 'cpu/us-east-1/on-demand=4 within [2, 4] for cpu/us-east-1/on-demand' });
    expect(byId['tier-bounds:cpu/eu-west-1/on-demand']).toMatchObject({ passed: false, message: 'cpu/eu-west-1/on-demand=0 outside [1, ∞] for cpu/eu-west-1/on-demand' });
    expect(d.allowed).toBe(false);
  });
});

describe('freeze windows', () => {
  const sat = Date.parse('2026-11-21T10:00:00Z');
  const weekendNoScaleIn = { id: 'weekend', cron: '0 0 * * SAT', durationSeconds: 172_800, blocks: 'scale-in' as const, reason: 'weekend traffic' };

  it('a scale-in window blocks a scale-in while active, and only then', () => {
    const d = evaluatePolicies(cfg({ freezeWindows: [weekendNoScaleIn] }), ctx({ now: sat, planned: fleet(3) }));
    expect(failed(d)).toEqual(['freeze:weekend']);
    expect(d.checks.find((c) => c.id === 'freeze:weekend')!.message).toBe(
      'freeze window weekend (weekend traffic) blocks scale-in from 2026-11-21T00:00:00Z to 2026-11-23T00:00:00Z; this scale-in (-1) waits until 2026-11-23T00:00:00Z',
    );
    expect(evaluatePolicies(cfg({ freezeWindows: [weekendNoScaleIn] }), ctx({ planned: fleet(3) })).allowed).toBe(true);
  });

  it('a scale-in window never blocks a scale-out, and a scale-out window never a scale-in', () => {
    const out = evaluatePolicies(cfg({ freezeWindows: [weekendNoScaleIn] }), ctx({ now: sat, planned: fleet(6) }));
    expect(out.allowed).toBe(true);
    expect(out.checks.find((c) => c.id === 'freeze:weekend')!.message).toMatch(/is active until 2026-11-23T00:00:00Z but blocks only scale-in; this is a scale-out/);
    const noOut = { ...weekendNoScaleIn, blocks: 'scale-out' as const };
    expect(evaluatePolicies(cfg({ freezeWindows: [noOut] }), ctx({ now: sat, planned: fleet(3) })).allowed).toBe(true);
    expect(failed(evaluatePolicies(cfg({ freezeWindows: [noOut] }), ctx({ now: sat, planned: fleet(6) })))).toEqual(['freeze:weekend']);
  });

  it("an 'all' window blocks a rebalance that keeps the total", () => {
    const all = { ...weekendNoScaleIn, blocks: 'all' as const };
    const rebalance = ctx({ now: sat, current: fleet(4, { a: 2, b: 2 }), planned: fleet(4, { a: 1, b: 3 }) });
    expect(failed(evaluatePolicies(cfg({ freezeWindows: [all] }), rebalance))).toEqual(['freeze:weekend']);
    expect(evaluatePolicies(cfg({ freezeWindows: [all] }), { ...rebalance, planned: rebalance.current }).allowed).toBe(true);
  });
});

describe('staged scale-in', () => {
  const staged = cfg({ maxStep: { absolute: 5 }, stagedScaleIn: { stepPercent: 20, minStep: 2, observationSeconds: 600 } });

  it('a stage is max(minStep, ceil(stepPercent% × current))', () => {
    expect(stageSize({ stepPercent: 20, minStep: 2, observationSeconds: 0 }, 20)).toBe(4);
    expect(stageSize({ stepPercent: 20, minStep: 2, observationSeconds: 0 }, 16)).toBe(4);
    expect(stageSize({ stepPercent: 20, minStep: 2, observationSeconds: 0 }, 10)).toBe(2);
    expect(stageSize({ stepPercent: 20, minStep: 2, observationSeconds: 0 }, 5)).toBe(2);
  });

  it('cuts a large scale-in to one stage, which max-step judges instead of the whole plan', () => {
    const current = fleet(20, { 'cpu/a/spot': 10, 'cpu/a/on-demand': 10 });
    const planned = fleet(10, { 'cpu/a/spot': 2, 'cpu/a/on-demand': 8 });
    const d = evaluatePolicies(staged, ctx({ current, planned }));
    expect(d.allowed).toBe(true);
    expect(d.target).toEqual(fleet(16, { 'cpu/a/on-demand': 9, 'cpu/a/spot': 7 }));
    expect(d.staged).toEqual({
      stage: d.target,
      remaining: 6,
      observationSeconds: 600,
      message: 'scale-in of 10 cut to a stage of 4 (20 → 16); 6 more after 600s of observation',
    });
    expect(d.checks.find((c) => c.id === 'max-step')).toMatchObject({ passed: true, message: 'change of -4 (−20%) is within the max step of 5' });
  });

  it('proceeds stage by stage, each only after the observation period', () => {
    let current = fleet(20, { x: 12, y: 8 });
    const planned = fleet(9, { x: 3, y: 6 });
    let now = NOW;
    let lastScaleInAt: number | undefined;
    const totals: number[] = [];
    for (let round = 0; round < 10 && current.total > planned.total; round++) {
      if (lastScaleInAt !== undefined) {
        // One second early: rejected, with the time left.
        const early = evaluatePolicies(staged, ctx({ now: lastScaleInAt + 599_000, current, planned, lastScaleInAt }));
        expect(early.allowed).toBe(false);
        expect(failed(early)).toEqual(['staged-scale-in']);
        expect(early.checks.find((c) => c.id === 'staged-scale-in')!.message).toBe(
          'the last scale-in stage was 599s ago; the next stage waits 1s more (observation 600s)',
        );
        now = lastScaleInAt + 600_000;
      }
      const d = evaluatePolicies(staged, ctx({ now, current, planned, lastScaleInAt }));
      expect(d.allowed).toBe(true);
      expect(d.target.total).toBe(Math.max(planned.total, current.total - stageSize(staged.stagedScaleIn!, current.total)));
      expect(d.target.tiers.x + d.target.tiers.y).toBe(d.target.total);
      totals.push(d.target.total);
      current = d.target;
      lastScaleInAt = now;
    }
    expect(totals).toEqual([16, 12, 9]);
    expect(current).toEqual(planned);
  });

  it('stabilisation judges the stage: a stage above a recent recommendation may go, the plan below it waits', () => {
    const recent = [{ at: NOW - 60_000, target: 14 }];
    const first = evaluatePolicies(staged, ctx({ current: fleet(20), planned: fleet(10), recentRecommendations: recent }));
    expect(first.target.total).toBe(16);
    expect(first.allowed).toBe(true);
    const later = evaluatePolicies(staged, ctx({ current: fleet(16), planned: fleet(10), recentRecommendations: recent }));
    expect(later.target.total).toBe(12);
    expect(failed(later)).toEqual(['scale-in-stabilization']);
  });

  it('a scale-in that fits in one stage goes straight to the plan', () => {
    const d = evaluatePolicies(staged, ctx({ current: fleet(10), planned: fleet(8) }));
    expect(d.target).toEqual(fleet(8));
    expect(d.staged).toBeUndefined();
    expect(d.checks.find((c) => c.id === 'staged-scale-in')!.message).toBe('scale-in of 2 fits in one stage of 2');
  });
});

describe('stageTiers', () => {
  it('moves each tier proportionally with the largest remainder, never past its target', () => {
    // Fraction 0.25: a moves 1.5, b moves 0.5; the tie on remainders goes to the first id.
    expect(stageTiers(fleet(10, { a: 6, b: 4 }), fleet(2, { a: 0, b: 2 }), 8)).toEqual(fleet(8, { a: 4, b: 4 }));
    expect(stageTiers(fleet(10, { b: 4, a: 6 }), fleet(2, { b: 2, a: 0 }), 8)).toEqual(fleet(8, { a: 4, b: 4 }));
    // A rebalance: on-demand grows while spot shrinks.
    expect(stageTiers(fleet(10, { od: 4, spot: 6 }), fleet(6, { od: 6, spot: 0 }), 8)).toEqual(fleet(8, { od: 5, spot: 3 }));
    expect(stageTiers(fleet(5), fleet(1), 3)).toEqual(fleet(3));
    expect(() => stageTiers(fleet(5, { a: 5 }), fleet(1, { a: 1 }), 6)).toThrow(/stageTotal must be an integer between 1 and 5/);
    expect(() => stageTiers(fleet(5, { a: 4 }), fleet(1, { a: 1 }), 3)).toThrow(/from.tiers add up to 4 but from.total is 5/);
  });

  it('always hits the stage total and keeps every tier between its start and target', () => {
    const tiers = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 0, max: 30 }), { minKeys: 1 });
    fc.assert(
      fc.property(tiers, tiers, fc.double({ min: 0, max: 1, noNaN: true }), (f, t, k) => {
        const from = fleet(Object.values(f).reduce((s, v) => s + v, 0), f);
        const to = fleet(Object.values(t).reduce((s, v) => s + v, 0), t);
        const lo = Math.min(from.total, to.total);
        const stageTotal = lo + Math.round(k * (Math.max(from.total, to.total) - lo));
        const stage = stageTiers(from, to, stageTotal);
        expect(Object.values(stage.tiers).reduce((s, v) => s + v, 0)).toBe(stageTotal);
        for (const id of Object.keys(stage.tiers)) {
          const a = from.tiers[id] ?? 0;
          const b = to.tiers[id] ?? 0;
          expect(stage.tiers[id]).toBeGreaterThanOrEqual(Math.min(a, b));
          expect(stage.tiers[id]).toBeLessThanOrEqual(Math.max(a, b));
        }
        expect(stageTiers(from, to, stageTotal)).toEqual(stage);
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});

describe('approval routing', () => {
  const base = ctx({ current: fleet(10), planned: fleet(12), hourlyCostBefore: 1, hourlyCostAfter: 1.2 });
  const route = (requireApproval: PolicyConfig['requireApproval'], c: PolicyContext = base) =>
    evaluatePolicies(cfg({ requireApproval }), c).approval;

  it('no condition met (or none configured) → automatic', () => {
    expect(route({})).toEqual({ required: false, reasons: [] });
    expect(route({ costDeltaPerHourAbove: 0.5, changePercentAbove: 50, scaleInBelow: 5, anyScaleIn: true })).toEqual({ required: false, reasons: [] });
  });

  it('each condition alone routes the decision to a person, with its id and numbers', () => {
    expect(route({ costDeltaPerHourAbove: 0.1 })).toEqual({
      required: true,
      reasons: [{ id: 'approval:cost-delta', message: 'cost rises by 0.20/h (1.00 → 1.20), above 0.10/h' }],
    });
    expect(route({ changePercentAbove: 15 })).toEqual({
      required: true,
      reasons: [{ id: 'approval:change-percent', message: 'change of +2 (10 → 12, 20%) is above 15%' }],
    });
    const scaleIn = ctx({ current: fleet(10), planned: fleet(8), hourlyCostBefore: 1, hourlyCostAfter: 0.8 });
    expect(route({ scaleInBelow: 9 }, scaleIn)).toEqual({
      required: true,
      reasons: [{ id: 'approval:scale-in-floor', message: 'scale-in to 8 goes below 9 instances' }],
    });
    expect(route({ scaleInBelow: 8 }, scaleIn).required).toBe(false);
    expect(route({ anyScaleIn: true }, scaleIn)).toEqual({
      required: true,
      reasons: [{ id: 'approval:any-scale-in', message: 'scale-in of -2 (10 → 8) needs a person (requireApproval.anyScaleIn)' }],
    });
    // Scale-in conditions never fire on a scale-out, and a cost decrease is no cost delta.
    expect(route({ anyScaleIn: true, scaleInBelow: 100 }).required).toBe(false);
    expect(route({ costDeltaPerHourAbove: 0 }, scaleIn).required).toBe(false);
  });

  it('user rule ids replace the built-in ones in checks and reasons', () => {
    const d = evaluatePolicies(
      cfg({ requireApproval: { anyScaleIn: true }, ruleIds: { 'max-step': 'ops/step-limit', 'approval:any-scale-in': 'ops/human-scale-in' } }),
      ctx({ planned: fleet(3) }),
    );
    expect(d.checks.map((c) => c.id)).toContain('ops/step-limit');
    expect(d.approval.reasons.map((r) => r.id)).toEqual(['ops/human-scale-in']);
  });
});

describe('every check', () => {
  const full = cfg({
    tierLimits: { '*/*/spot': { max: 50 } },
    maxStep: { absolute: 10, percent: 50 },
    stagedScaleIn: { stepPercent: 10, minStep: 1, observationSeconds: 300 },
    freezeWindows: [{ id: 'nightly', cron: '0 2 * * *', durationSeconds: 3600, blocks: 'all' }],
    maxSpotShare: 0.6,
  });
  const c = ctx({
    current: fleet(20, { 'cpu/a/spot': 14, 'cpu/a/on-demand': 6 }),
    planned: fleet(15, { 'cpu/a/spot': 10, 'cpu/a/on-demand': 5 }),
    spotShare: 10 / 15,
    lastCommittedAt: NOW - 1_000_000,
    lastScaleInAt: NOW - 1_000_000,
  });

  it('has an id, a rule and a message with its numbers', () => {
    const d = evaluatePolicies(full, c);
    expect(d.checks.map((x) => x.id)).toEqual([
      'bounds', 'tier-bounds:*/*/spot', 'max-step', 'cooldown', 'scale-in-stabilization', 'freeze:nightly', 'staged-scale-in', 'max-spot-share',
    ]);
    for (const check of d.checks) {
      expect(check.rule).toBeTruthy();
      expect(check.message.length).toBeGreaterThan(10);
    }
    expect(d.checks.find((x) => x.id === 'max-spot-share')).toMatchObject({ passed: false, message: 'spot share 66.7% is above the max of 60%' });
  });

  it('is deterministic: same input, same decision, whatever the tier key order', () => {
    const a = evaluatePolicies(full, c);
    const reordered = { ...c, current: fleet(20, { 'cpu/a/on-demand': 6, 'cpu/a/spot': 14 }) };
    expect(evaluatePolicies(full, c)).toEqual(a);
    expect(evaluatePolicies(full, reordered).target).toEqual(a.target);
  });

  it('names the bad field of a config', () => {
    expect(() => evaluatePolicies(cfg({ minInstances: 5, maxInstances: 2 }), ctx())).toThrow(/policy.minInstances \(5\) is above policy.maxInstances \(2\)/);
    expect(() => evaluatePolicies(cfg({ maxSpotShare: 60 }), ctx())).toThrow(/policy.maxSpotShare must be a fraction in \[0, 1\] \(0.6 = 60%\), got 60/);
    expect(() => evaluatePolicies(cfg({ stagedScaleIn: { stepPercent: 150, minStep: 1, observationSeconds: 0 } }), ctx())).toThrow(/stagedScaleIn.stepPercent must be in \(0, 100\]/);
    expect(() => evaluatePolicies(cfg({ tierLimits: { 'cpu//spot': { max: 1 } } }), ctx())).toThrow(/tierLimits key "cpu\/\/spot"/);
    expect(() => evaluatePolicies(cfg({ freezeWindows: [{ id: 'w', cron: '0 0 * * FUNDAY', durationSeconds: 60, blocks: 'all' }] }), ctx())).toThrow(/freeze window "w": .*day-of-week field "FUNDAY"/);
  });
});

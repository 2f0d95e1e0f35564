/**
 * The declarative policy engine: every rule from kinetic.yaml's policy block becomes one check with
 * a stable id and a message with the numbers, plus the conditions that route a decision to a person.
 * A failed check rejects the decision (a completed decision, not an error). Pure: time comes in ctx.
 */
import { activeWindows, FreezeWindow, validateFreezeWindows } from './freeze-windows';
import { stageSize, stageTiers, TierCounts, validateTierCounts } from './staged-scale-in';

export type { FreezeWindow } from './freeze-windows';
export type { TierCounts } from './staged-scale-in';

export interface PolicyConfig {
  minInstances: number;
  maxInstances: number;
  /**
   * Per tier bounds; key = exact tier id, or a pattern with `*` segments ("*\/*\/spot", "gpu/*\/*").
   * Each tier the pattern matches is held to the bounds on its own.
   */
  tierLimits: Record<string, { min?: number; max?: number }>;
  /** Either or both; `percent` is in percent of the current fleet (25 = 25%). Violated → rejected. */
  maxStep: { absolute?: number; percent?: number };
  cooldownSeconds: number;
  scaleInStabilizationSeconds: number;
  /** "Gray" scale-in: cut a scale-in to one stage; the next stage only after the observation period. */
  stagedScaleIn?: { stepPercent: number; minStep: number; observationSeconds: number };
  freezeWindows: FreezeWindow[];
  /** Highest allowed spot share of the planned fleet, a fraction in [0, 1]. */
  maxSpotShare?: number;
  /** `changePercentAbove` is in percent (50 = 50%). */
  requireApproval: { costDeltaPerHourAbove?: number; changePercentAbove?: number; scaleInBelow?: number; anyScaleIn?: boolean };
  /** Ids users gave in kinetic.yaml, keyed by built-in id ("max-step", "freeze:weekend", "approval:cost-delta"). */
  ruleIds?: Record<string, string>;
}

/** A target planned by an earlier decision (any outcome): scale-in stabilisation looks back at these. */
export interface Recommendation {
  /** Epoch ms when it was made. */
  at: number;
  target: number;
}

export interface PolicyContext {
  /** Epoch ms. */
  now: number;
  current: TierCounts;
  planned: TierCounts;
  hourlyCostBefore: number;
  hourlyCostAfter: number;
  /** Spot share of the planned fleet, a fraction in [0, 1]. */
  spotShare: number;
  /** Epoch ms of the last committed decision. */
  lastCommittedAt?: number;
  /** Epoch ms of the last committed scale-in (stage). */
  lastScaleInAt?: number;
  recentRecommendations: Recommendation[];
}

export type PolicyRuleKind = 'bounds' | 'tier-bounds' | 'max-step' | 'cooldown' | 'scale-in-stabilization'
  | 'freeze-window' | 'staged-scale-in' | 'max-spot-share';

export interface PolicyCheck {
  id: string;
  rule: PolicyRuleKind;
  passed: boolean;
  message: string;
}

export interface PolicyDecision {
  allowed: boolean;
  /** What may be applied if allowed: equals planned, or one stage of a staged scale-in. */
  target: TierCounts;
  staged?: { stage: TierCounts; remaining: number; observationSeconds: number; message: string };
  checks: PolicyCheck[];
  approval: { required: boolean; reasons: Array<{ id: string; message: string }> };
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const pct = (v: number) => `${Number.isFinite(v) ? Math.round(v * 10) / 10 : '∞'}%`;
const signed = (v: number) => (v > 0 ? `+${v}` : `${v}`);

function requireNumber(field: string, v: unknown, min = 0, integer = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
    throw new RangeError(`policy.${field} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got ${String(v)}`);
  }
}

function optionalNumber(field: string, v: unknown, min = 0, integer = false): void {
  if (v !== undefined) requireNumber(field, v, min, integer);
}

/** Throws a RangeError naming the first bad field of the policy config. */
export function validatePolicyConfig(cfg: PolicyConfig): void {
  requireNumber('minInstances', cfg.minInstances, 0, true);
  requireNumber('maxInstances', cfg.maxInstances, 0, true);
  if (cfg.minInstances > cfg.maxInstances) {
    throw new RangeError(`policy.minInstances (${cfg.minInstances}) is above policy.maxInstances (${cfg.maxInstances})`);
  }
  for (const [pattern, b] of Object.entries(cfg.tierLimits ?? {})) {
    if (pattern === '' || pattern.split('/').some((s) => s === '')) {
      throw new RangeError(`policy.tierLimits key "${pattern}" must be a tier id like "cpu/us-east-1/spot", segments may be *`);
    }
    optionalNumber(`tierLimits["${pattern}"].min`, b.min, 0, true);
    optionalNumber(`tierLimits["${pattern}"].max`, b.max, 0, true);
    if (b.min !== undefined && b.max !== undefined && b.min > b.max) {
      throw new RangeError(`policy.tierLimits["${pattern}"]: min (${b.min}) is above max (${b.max})`);
    }
  }
  optionalNumber('maxStep.absolute', cfg.maxStep?.absolute, 0, true);
  optionalNumber('maxStep.percent', cfg.maxStep?.percent, 0);
  requireNumber('cooldownSeconds', cfg.cooldownSeconds);
  requireNumber('scaleInStabilizationSeconds', cfg.scaleInStabilizationSeconds);
  if (cfg.stagedScaleIn) {
    const s = cfg.stagedScaleIn;
    requireNumber('stagedScaleIn.stepPercent', s.stepPercent, 0);
    if (s.stepPercent <= 0 || s.stepPercent > 100) {
      throw new RangeError(`policy.stagedScaleIn.stepPercent must be in (0, 100] (percent of the fleet per stage), got ${s.stepPercent}`);
    }
    requireNumber('stagedScaleIn.minStep', s.minStep, 1, true);
    requireNumber('stagedScaleIn.observationSeconds', s.observationSeconds);
  }
  if (cfg.maxSpotShare !== undefined && (!(cfg.maxSpotShare >= 0) || cfg.maxSpotShare > 1)) {
    throw new RangeError(`policy.maxSpotShare must be a fraction in [0, 1] (0.6 = 60%), got ${cfg.maxSpotShare}`);
  }
  const a = cfg.requireApproval ?? {};
  optionalNumber('requireApproval.costDeltaPerHourAbove', a.costDeltaPerHourAbove);
  optionalNumber('requireApproval.changePercentAbove', a.changePercentAbove);
  optionalNumber('requireApproval.scaleInBelow', a.scaleInBelow, 0, true);
  validateFreezeWindows(cfg.freezeWindows ?? []);
}

/** Whether a tier id matches a pattern: segments split on "/", `*` matches any text inside one segment. */
export function tierMatches(pattern: string, tier: string): boolean {
  const p = pattern.split('/');
  const t = tier.split('/');
  if (p.length !== t.length) return false;
  return p.every((seg, i) => {
    if (!seg.includes('*')) return seg === t[i];
    const re = new RegExp(`^${seg.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
    return re.test(t[i]);
  });
}

function tierBoundsCheck(pattern: string, bound: { min?: number; max?: number }, planned: TierCounts): Omit<PolicyCheck, 'id'> {
  const isPattern = pattern.includes('*');
  const tiers = Object.keys(planned.tiers).filter((t) => tierMatches(pattern, t)).sort();
  // An exact id the plan leaves out has 0 instances, which a `min` must still see.
  if (!isPattern && tiers.length === 0) tiers.push(pattern);
  const range = `[${bound.min ?? 0}, ${bound.max ?? '∞'}]`;
  if (tiers.length === 0) {
    return { rule: 'tier-bounds', passed: true, message: `no planned tier matches ${pattern}` };
  }
  const outside = tiers
    .map((t) => ({ t, n: planned.tiers[t] ?? 0 }))
    .filter(({ n }) => (bound.min !== undefined && n < bound.min) || (bound.max !== undefined && n > bound.max));
  if (outside.length === 0) {
    const list = tiers.map((t) => `${t}=${planned.tiers[t] ?? 0}`).join(', ');
    return { rule: 'tier-bounds', passed: true, message: `${list} within ${range} for ${pattern}` };
  }
  const list = outside.map(({ t, n }) => `${t}=${n}`).join(', ');
  return { rule: 'tier-bounds', passed: false, message: `${list} outside ${range} for ${pattern}` };
}

function maxStepCheck(cfg: PolicyConfig, current: number, target: number): Omit<PolicyCheck, 'id'> {
  const change = target - current;
  const changePct = current > 0 ? (Math.abs(change) / current) * 100 : change === 0 ? 0 : Infinity;
  const what = `change of ${change} (${change < 0 ? '−' : change > 0 ? '+' : ''}${pct(changePct)})`;
  const { absolute, percent } = cfg.maxStep ?? {};
  const problems: string[] = [];
  const limits: string[] = [];
  if (absolute !== undefined) {
    limits.push(`${absolute}`);
    if (Math.abs(change) > absolute) problems.push(`exceeds the max step of ${absolute}`);
  }
  // A percent of nothing is nothing: from 0 instances only the absolute limit can apply.
  if (percent !== undefined && current > 0) {
    limits.push(`${percent}%`);
    if (changePct > percent + 1e-9) problems.push(`exceeds max step ${percent}%`);
  }
  if (limits.length === 0) return { rule: 'max-step', passed: true, message: `${what}; no max step configured` };
  if (problems.length === 0) return { rule: 'max-step', passed: true, message: `${what} is within the max step of ${limits.join(' and ')}` };
  return { rule: 'max-step', passed: false, message: `${what} ${problems.join(' and ')}; split it or raise maxStepChange (or policy.maxStepPercent)` };
}

function direction(current: TierCounts, planned: TierCounts): 'in' | 'out' | 'rebalance' | 'none' {
  if (planned.total < current.total) return 'in';
  if (planned.total > current.total) return 'out';
  const ids = new Set([...Object.keys(current.tiers), ...Object.keys(planned.tiers)]);
  return [...ids].some((t) => (current.tiers[t] ?? 0) !== (planned.tiers[t] ?? 0)) ? 'rebalance' : 'none';
}

export function evaluatePolicies(cfg: PolicyConfig, ctx: PolicyContext): PolicyDecision {
  validatePolicyConfig(cfg);
  validateTierCounts('current', ctx.current);
  validateTierCounts('planned', ctx.planned);
  const idOf = (builtIn: string) => cfg.ruleIds?.[builtIn] ?? builtIn;
  const { now, current, planned } = ctx;
  const checks: PolicyCheck[] = [];
  const add = (builtIn: string, c: Omit<PolicyCheck, 'id'>) => checks.push({ id: idOf(builtIn), ...c });
  const change = planned.total - current.total;
  const dir = direction(current, planned);

  const inBounds = planned.total >= cfg.minInstances && planned.total <= cfg.maxInstances;
  add('bounds', {
    rule: 'bounds',
    passed: inBounds,
    message: `${planned.total} is ${inBounds ? 'within' : 'outside'} [${cfg.minInstances}, ${cfg.maxInstances}]`,
  });

  for (const [pattern, bound] of Object.entries(cfg.tierLimits ?? {})) {
    add(`tier-bounds:${pattern}`, tierBoundsCheck(pattern, bound, planned));
  }

  // Staging decides what is applied now, so max-step and approval judge the stage, not the plan.
  let target: TierCounts = { total: planned.total, tiers: { ...planned.tiers } };
  let staged: PolicyDecision['staged'];
  let stagedCheck: Omit<PolicyCheck, 'id'> | undefined;
  if (cfg.stagedScaleIn && dir === 'in') {
    const rule = cfg.stagedScaleIn;
    const sinceLast = ctx.lastScaleInAt === undefined ? Infinity : (now - ctx.lastScaleInAt) / 1000;
    const size = stageSize(rule, current.total);
    // The stage is computed even while observing, so the other checks judge what would be applied.
    let plan = `scale-in of ${-change} fits in one stage of ${size}`;
    if (-change > size) {
      const stageTotal = current.total - size;
      // Without a tier split on both sides there is nothing to spread: the stage is a total only.
      const split = Object.keys(current.tiers).length > 0 && Object.keys(planned.tiers).length > 0;
      const stage = split ? stageTiers(current, planned, stageTotal) : { total: stageTotal, tiers: {} };
      const remaining = stage.total - planned.total;
      plan = `scale-in of ${-change} cut to a stage of ${size} (${current.total} → ${stage.total}); ${remaining} more after ${rule.observationSeconds}s of observation`;
      target = stage;
      staged = { stage, remaining, observationSeconds: rule.observationSeconds, message: plan };
    }
    if (sinceLast < rule.observationSeconds) {
      const left = Math.ceil(rule.observationSeconds - sinceLast);
      stagedCheck = {
        rule: 'staged-scale-in',
        passed: false,
        message: `the last scale-in stage was ${Math.round(sinceLast)}s ago; the next stage waits ${left}s more (observation ${rule.observationSeconds}s)`,
      };
    } else {
      stagedCheck = { rule: 'staged-scale-in', passed: true, message: plan };
    }
  }

  add('max-step', maxStepCheck(cfg, current.total, target.total));

  if (ctx.lastCommittedAt !== undefined) {
    const since = (now - ctx.lastCommittedAt) / 1000;
    const ok = since >= cfg.cooldownSeconds;
    add('cooldown', {
      rule: 'cooldown',
      passed: ok,
      message: ok
        ? `${Math.round(since)}s since the last committed decision (cooldown ${cfg.cooldownSeconds}s)`
        : `only ${Math.round(since)}s since the last committed decision; cooldown is ${cfg.cooldownSeconds}s`,
    });
  } else {
    add('cooldown', { rule: 'cooldown', passed: true, message: 'no earlier committed decision' });
  }

  if (dir === 'in') {
    // Judged against what is applied now: a stage that stays above a recent recommendation is safe.
    const floor = target.total;
    const windowStart = now - cfg.scaleInStabilizationSeconds * 1000;
    const recent = ctx.recentRecommendations.filter((r) => r.at >= windowStart && r.at <= now);
    const highest = recent.reduce((m, r) => Math.max(m, r.target), floor);
    const ok = highest <= floor;
    add('scale-in-stabilization', {
      rule: 'scale-in-stabilization',
      passed: ok,
      message: ok
        ? `no recommendation above ${floor} in the last ${cfg.scaleInStabilizationSeconds}s`
        : `a recommendation of ${highest} was made in the last ${cfg.scaleInStabilizationSeconds}s; scale-in waits for the window to pass`,
    });
  }

  const active = new Map(activeWindows(cfg.freezeWindows ?? [], now).map((a) => [a.window.id, a]));
  for (const w of cfg.freezeWindows ?? []) {
    const a = active.get(w.id);
    const why = w.reason ? ` (${w.reason})` : '';
    let check: Omit<PolicyCheck, 'id'>;
    if (!a) {
      check = { rule: 'freeze-window', passed: true, message: `freeze window ${w.id} is not active` };
    } else {
      // 'all' freezes any change, a rebalance included; the others freeze one direction of the total.
      const blocked = dir !== 'none' && (w.blocks === 'all' || (w.blocks === 'scale-in' && dir === 'in') || (w.blocks === 'scale-out' && dir === 'out'));
      const span = `${iso(a.start)} to ${iso(a.end)}`;
      const kind = { in: 'scale-in', out: 'scale-out', rebalance: 'rebalance', none: 'no change' }[dir];
      check = blocked
        ? { rule: 'freeze-window', passed: false, message: `freeze window ${w.id}${why} blocks ${w.blocks} from ${span}; this ${kind} (${signed(change)}) waits until ${iso(a.end)}` }
        : { rule: 'freeze-window', passed: true, message: `freeze window ${w.id}${why} is active until ${iso(a.end)} but blocks only ${w.blocks}; this is ${kind === 'no change' ? 'no change' : `a ${kind}`}` };
    }
    add(`freeze:${w.id}`, check);
  }

  if (stagedCheck) add('staged-scale-in', stagedCheck);

  if (cfg.maxSpotShare !== undefined) {
    const ok = ctx.spotShare <= cfg.maxSpotShare + 1e-9;
    add('max-spot-share', {
      rule: 'max-spot-share',
      passed: ok,
      message: `spot share ${pct(ctx.spotShare * 100)} is ${ok ? 'within' : 'above'} the max of ${pct(cfg.maxSpotShare * 100)}`,
    });
  }

  return {
    allowed: checks.every((c) => c.passed),
    target,
    ...(staged ? { staged } : {}),
    checks,
    approval: approvalFor(cfg, ctx, target, idOf),
  };
}

function approvalFor(cfg: PolicyConfig, ctx: PolicyContext, target: TierCounts, idOf: (id: string) => string): PolicyDecision['approval'] {
  const a = cfg.requireApproval ?? {};
  const reasons: Array<{ id: string; message: string }> = [];
  const current = ctx.current.total;
  const change = target.total - current;
  const costDelta = ctx.hourlyCostAfter - ctx.hourlyCostBefore;
  if (a.costDeltaPerHourAbove !== undefined && costDelta > a.costDeltaPerHourAbove + 1e-9) {
    reasons.push({
      id: idOf('approval:cost-delta'),
      message: `cost rises by ${costDelta.toFixed(2)}/h (${ctx.hourlyCostBefore.toFixed(2)} → ${ctx.hourlyCostAfter.toFixed(2)}), above ${a.costDeltaPerHourAbove.toFixed(2)}/h`,
    });
  }
  if (a.changePercentAbove !== undefined && change !== 0) {
    const changePct = current > 0 ? (Math.abs(change) / current) * 100 : Infinity;
    if (changePct > a.changePercentAbove + 1e-9) {
      reasons.push({
        id: idOf('approval:change-percent'),
        message: `change of ${signed(change)} (${current} → ${target.total}, ${pct(changePct)}) is above ${a.changePercentAbove}%`,
      });
    }
  }
  if (change < 0 && a.scaleInBelow !== undefined && target.total < a.scaleInBelow) {
    reasons.push({
      id: idOf('approval:scale-in-floor'),
      message: `scale-in to ${target.total} goes below ${a.scaleInBelow} instances`,
    });
  }
  if (change < 0 && a.anyScaleIn) {
    reasons.push({ id: idOf('approval:any-scale-in'), message: `scale-in of ${change} (${current} → ${target.total}) needs a person (requireApproval.anyScaleIn)` });
  }
  return { required: reasons.length > 0, reasons };
}

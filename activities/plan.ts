import { approvalRequirement, ApprovalRequirement } from '../planning/approval';
import { instancesNeeded } from '../planning/capacity';
import { evaluatePolicies } from '../planning/policy-engine';
import { planTiered, type TieredSpec } from '../planning/tiered-plan';
import type { ForecastSummary, PlanSummary, PolicyCheckSummary } from '../workflows/decision-types';
import type { DecisionContext } from './types';
import { planVertical } from './vertical-plan';

type Tiers = Record<string, number>;
const fromTiers = (p: PlanSummary): Tiers => Object.fromEntries(Object.entries(p.tiers).map(([k, t]) => [k, t.from]));
const toTiers = (p: PlanSummary): Tiers => Object.fromEntries(Object.entries(p.tiers).map(([k, t]) => [k, t.to]));
const direction = (from: number, to: number): PlanSummary['direction'] => (to > from ? 'out' : to < from ? 'in' : 'none');

/** Thin adapters over planning/: the math is pure, these only shape inputs and outputs. */
export function planActivities() {
  return {
    async planCapacity(input: { context: DecisionContext; forecast: ForecastSummary; targetOverride?: number }): Promise<PlanSummary> {
      const { context: c } = input;
      const plan = c.tiered ? tieredPlan(c, input.forecast, input.targetOverride) : singlePoolPlan(c, input.forecast, input.targetOverride);
      return planVertical(c, plan);
    },

    async checkPolicy(input: { context: DecisionContext; plan: PlanSummary; now: number }): Promise<{
      policy: { allowed: boolean; checks: PolicyCheckSummary[] };
      approval: ApprovalRequirement;
      plan: PlanSummary;
    }> {
      const { context: c, plan } = input;
      const verdict = evaluatePolicies(c.policy, {
        now: input.now,
        current: { total: plan.from, tiers: fromTiers(plan) },
        planned: { total: plan.to, tiers: toTiers(plan) },
        hourlyCostBefore: plan.hourlyCostBefore,
        hourlyCostAfter: plan.hourlyCostAfter,
        spotShare: plan.allocation?.spotShare ?? 0,
        lastCommittedAt: c.lastCommittedAt,
        lastScaleInAt: c.lastScaleInAt,
        recentRecommendations: c.recentRecommendations,
      });
      const classic = approvalRequirement(plan.from, plan.to, plan.hourlyCostAfter - plan.hourlyCostBefore, c.approval.autoApprove);
      const reasons = [...classic.reasons, ...verdict.approval.reasons.map((r) => `${r.id}: ${r.message}`)];
      if (plan.vertical) reasons.push(`approval:vertical-change: ${plan.vertical.summary}`);
      let checked = plan;
      if (verdict.allowed && verdict.staged) {
        // Gray scale-in: this decision applies one stage; a later decision continues after the observation period.
        const stage = verdict.staged.stage;
        const tiers: PlanSummary['tiers'] = {};
        for (const [k, t] of Object.entries(plan.tiers)) tiers[k] = { from: t.from, to: stage.tiers[k] ?? t.to };
        checked = {
          ...plan,
          to: stage.total,
          tiers,
          direction: direction(plan.from, stage.total),
          hourlyCostAfter: hourlyCost(c, tiers),
          staged: { plannedTo: plan.to, remaining: verdict.staged.remaining, observationSeconds: verdict.staged.observationSeconds, message: verdict.staged.message },
          reason: `${plan.reason}; ${verdict.staged.message}`,
        };
      }
      return {
        policy: { allowed: verdict.allowed, checks: verdict.checks },
        approval: { auto: reasons.length === 0, reasons },
        plan: checked,
      };
    },
  };
}

/** Hourly cost of a tier map: pool prices when tiered, the single price otherwise. */
function hourlyCost(c: DecisionContext, tiers: PlanSummary['tiers']): number {
  const price = new Map((c.tiered?.pools ?? []).map((p) => [p.id, p.hourlyPrice]));
  return Object.entries(tiers).reduce((a, [k, t]) => a + t.to * (c.tiered ? price.get(k) ?? 0 : c.hourlyPerInstance), 0);
}

function tieredPlan(c: DecisionContext, forecast: ForecastSummary, targetOverride?: number): PlanSummary {
  const dims = Object.fromEntries(Object.entries(forecast.dimensions ?? {}).map(([d, f]) => [d, { p50: f.peakP50, p90: f.peakP90, p99: f.peakP99 }]));
  const t = planTiered(withPredictedRegions(c.tiered!, forecast), { p50: forecast.peakP50, p90: forecast.peakP90, p99: forecast.peakP99 }, c.current.tiers, targetOverride, dims);
  return {
    from: t.from,
    to: t.to,
    direction: direction(t.from, t.to),
    needed: t.needed,
    clampedBy: t.clampedBy,
    tiers: t.tiers,
    hourlyCostBefore: t.hourlyCostBefore,
    hourlyCostAfter: t.hourlyCostAfter,
    reason: t.reason,
    needs: t.needs.map((n) => ({
      computeType: n.computeType,
      needed: n.needed,
      p50Instances: n.p50Instances,
      bufferPct: n.bufferPct,
      bindingDimension: n.bindingDimension,
      explanation: n.explanation,
    })),
    allocation: {
      status: t.allocation.status,
      spotShare: t.allocation.spotShare,
      expectedInterruptionsPerHour: t.allocation.expectedInterruptionsPerHour,
      reasons: t.allocation.reasons,
      pools: t.allocation.allocations.map((a) => ({ ...a })),
    },
    hysteresis: t.hysteresis,
  };
}

/** Regional shares from the per-region forecasts (P50 peaks), keeping each region's minimum. */
function withPredictedRegions(spec: TieredSpec, forecast: ForecastSummary): TieredSpec {
  const predicted = Object.entries(forecast.regions ?? {});
  const total = predicted.reduce((a, [, f]) => a + f.peakP50, 0);
  if (predicted.length === 0 || total <= 0) return spec;
  const regions: TieredSpec['regions'] = {};
  for (const r of Object.keys({ ...spec.regions, ...Object.fromEntries(predicted) })) {
    regions[r] = { share: (forecast.regions?.[r]?.peakP50 ?? 0) / total, min: spec.regions[r]?.min ?? 0 };
  }
  return { ...spec, regions };
}

function singlePoolPlan(c: DecisionContext, forecast: ForecastSummary, targetOverride?: number): PlanSummary {
  const from = c.current.total;
  const need = instancesNeeded({
    peakDemand: forecast.peakP90,
    capacityPerInstance: c.capacityPerInstance,
    targetUtilization: c.targetUtilization,
    minInstances: c.minInstances,
    maxInstances: c.maxInstances,
  });
  const to = targetOverride ?? need.target;
  const perInstance = c.capacityPerInstance * c.targetUtilization;
  const reason =
    targetOverride !== undefined
      ? `operator asked for ${targetOverride} instances (forecast alone would give ${need.target})`
      : `P90 peak ${forecast.peakP90.toFixed(2)} ${forecast.metric} / (${c.capacityPerInstance} × ${c.targetUtilization}) = ` +
        `${(forecast.peakP90 / perInstance).toFixed(2)} → ${need.needed} instances` +
        (need.clampedBy ? `, clamped to the ${need.clampedBy} of ${need.target}` : '');
  // An untiered service has one tier (named by its provisioner, "default" for most).
  const tiers: PlanSummary['tiers'] = {};
  for (const [tier, n] of Object.entries(c.current.tiers)) tiers[tier] = { from: n, to: 0 };
  const mainTier = Object.keys(c.current.tiers)[0] ?? 'default';
  tiers[mainTier] = { from: c.current.tiers[mainTier] ?? 0, to };
  return {
    from,
    to,
    direction: direction(from, to),
    needed: need.needed,
    clampedBy: targetOverride !== undefined ? undefined : need.clampedBy,
    tiers,
    hourlyCostBefore: from * c.hourlyPerInstance,
    hourlyCostAfter: to * c.hourlyPerInstance,
    reason,
  };
}

/**
 * The decision's plan: how the forecast becomes instances per tier (single pool or tiered pools),
 * what they cost per hour, and which way the fleet moves. Pure: the plan activity only calls it.
 */
import { instancesNeeded } from '../planning/capacity';
import { planTiered, type TieredSpec } from '../planning/tiered-plan';
import type { CapacityPlan } from '../provisioners/contract';
import type { DecisionContext } from './context';
import type { ForecastSummary } from './forecast';
import { fingerprintNeed } from './fingerprint-plan';
import { planVertical } from './vertical';

export type Direction = 'out' | 'in' | 'none';

export interface PlanSummary {
  from: number;
  to: number;
  direction: Direction;
  /** Instances the demand needs before clamping. */
  needed: number;
  clampedBy?: 'min' | 'max';
  /** Per tier: from → to. */
  tiers: Record<string, { from: number; to: number }>;
  hourlyCostBefore: number;
  hourlyCostAfter: number;
  reason: string;
  /** Fingerprint dimensions (issue 17): instances the cluster forecasts need, which signal bound, and whether they set the plan. */
  fingerprints?: { needed: number; bindingDimension: string; explanation: string; binds: boolean };
  /** Tiered planning: instances each compute type would need, and why. */
  needs?: Array<{ computeType: string; needed: number; p50Instances: number; bufferPct: number; bindingDimension: string; explanation: string }>;
  /** Tiered planning: SUCCESS (fits today's pools), PENDING (needs provisioning) or FAILURE. */
  allocation?: {
    status: 'SUCCESS' | 'PENDING' | 'FAILURE';
    spotShare: number;
    /** Spot instances expected to be reclaimed per hour (pool interruption rates × counts). */
    expectedInterruptionsPerHour?: number;
    reasons: string[];
    pools: Array<{ poolId: string; computeType: string; region: string; pricing: string; count: number; byInstanceType: Record<string, number>; hourlyCost: number }>;
  };
  hysteresis?: { held: boolean; reason: string };
  /** The instance template version the plan runs (vertical scaling). */
  templateVersion?: number;
  vertical?: {
    fromVersion: number;
    toVersion: number;
    instanceTypes: string[];
    batches: number[];
    rollbackVersion: number;
    summary: string;
  };
  /** Set when the policy cut a scale-in to one stage: the planned target before the cut. */
  staged?: { plannedTo: number; remaining: number; observationSeconds: number; message: string };
}

export const direction = (from: number, to: number): Direction => (to > from ? 'out' : to < from ? 'in' : 'none');

/**
 * The demand a single-pool plan sizes the fleet for, and what to call it in the plan's reason:
 * the predictive planner's planned demand (records before it: the forecast's P90 peak).
 */
export function plannedDemand(forecast: ForecastSummary): { demand: number; basis: string } {
  const p = forecast.planned;
  if (!p) return { demand: forecast.peakP90, basis: 'P90 peak' };
  const q = `P${Number((100 * p.quantile).toFixed(1))}`;
  return { demand: p.demand, basis: p.bound === 'observed' ? `newest observed demand (above the ${q} window peak)` : `${q} window peak` };
}

/** The plan for a service: tiered when pools are configured, single pool otherwise; then its template. */
export function planCapacity(c: DecisionContext, forecast: ForecastSummary, targetOverride?: number): PlanSummary {
  if (forecast.mode === 'fallback' && forecast.fallback && !c.tiered && targetOverride === undefined) return planVertical(c, fallbackPlan(c, forecast.fallback));
  let plan = c.tiered ? tieredPlan(c.tiered, c.current.tiers, forecast, targetOverride) : singlePoolPlan(c, forecast, targetOverride);
  // Missing data is not demand: never scale in on it.
  if (forecast.dropouts?.newestMissing && targetOverride === undefined && plan.to < plan.from) plan = held(plan, 'the newest metric sample is missing: holding the fleet (no scale-in on missing data)');
  return planVertical(c, plan);
}

/** The plan that keeps today's fleet, saying why. */
function held(plan: PlanSummary, why: string): PlanSummary {
  const tiers: PlanSummary['tiers'] = {};
  for (const [k, t] of Object.entries(plan.tiers)) tiers[k] = { from: t.from, to: t.from };
  return { ...plan, to: plan.from, tiers, direction: 'none', hourlyCostAfter: plan.hourlyCostBefore, reason: `${plan.reason}; ${why}`, hysteresis: { held: true, reason: why } };
}

/** Hourly cost of the planned (`to`) side of a tier map: pool prices when tiered, the single price otherwise. */
export function hourlyCost(c: DecisionContext, tiers: PlanSummary['tiers']): number {
  const price = new Map((c.tiered?.pools ?? []).map((p) => [p.id, p.hourlyPrice]));
  return Object.entries(tiers).reduce((a, [k, t]) => a + t.to * (c.tiered ? price.get(k) ?? 0 : c.hourlyPerInstance), 0);
}

/** The plan in the provisioner's terms: replicas per tier after the decision. */
export function toCapacityPlan(decisionId: string, service: string, plan: PlanSummary): CapacityPlan {
  const tiers: Record<string, number> = {};
  for (const [tier, t] of Object.entries(plan.tiers)) tiers[tier] = t.to;
  const out: CapacityPlan = { decisionId, service, tiers, total: plan.to };
  if (plan.templateVersion !== undefined) out.templateVersion = plan.templateVersion;
  return out;
}

/** An untiered service has one tier (named by its provisioner, "default" for most): all of `to` goes there. */
function untieredTiers(c: DecisionContext, to: number): PlanSummary['tiers'] {
  const tiers: PlanSummary['tiers'] = {};
  for (const [tier, n] of Object.entries(c.current.tiers)) tiers[tier] = { from: n, to: 0 };
  const mainTier = Object.keys(c.current.tiers)[0] ?? 'default';
  tiers[mainTier] = { from: c.current.tiers[mainTier] ?? 0, to };
  return tiers;
}

/** The fallback rule's plan: current capacity + step from the provisioner's view; never below today's fleet. */
function fallbackPlan(c: DecisionContext, f: NonNullable<ForecastSummary['fallback']>): PlanSummary {
  const from = c.current.total;
  const to = Math.max(from, Math.min(f.target, Math.max(from, c.maxInstances)));
  const tiers = untieredTiers(c, to);
  return {
    from,
    to,
    direction: direction(from, to),
    needed: to,
    clampedBy: to < f.current + f.step ? 'max' : undefined,
    tiers,
    hourlyCostBefore: from * c.hourlyPerInstance,
    hourlyCostAfter: to * c.hourlyPerInstance,
    reason: f.reason,
    // A fallback that cannot add capacity holds the fleet (and says why: never a scale-in).
    ...(to === from ? { hysteresis: { held: true, reason: f.reason } } : {}),
  };
}

function singlePoolPlan(c: DecisionContext, forecast: ForecastSummary, targetOverride?: number): PlanSummary {
  const from = c.current.total;
  const { demand, basis } = plannedDemand(forecast);
  const need = instancesNeeded({
    peakDemand: demand,
    capacityPerInstance: c.capacityPerInstance,
    targetUtilization: c.targetUtilization,
    minInstances: c.minInstances,
    maxInstances: c.maxInstances,
  });
  const perInstance = c.capacityPerInstance * c.targetUtilization;
  const loadReason = `${basis} ${demand.toFixed(2)} ${forecast.metric} / (${c.capacityPerInstance} × ${c.targetUtilization}) = ${(demand / perInstance).toFixed(2)} → ${need.needed} instances`;
  // The fingerprint dimensions bind when the clusters' cpu or memory needs more instances than the load.
  const fp = fingerprintNeed(forecast.fingerprints, c.targetUtilization);
  const binds = !!fp && fp.needed > need.needed;
  const needed = binds ? fp.needed : need.needed;
  const clampedBy = needed < c.minInstances ? 'min' : needed > c.maxInstances ? 'max' : undefined;
  const target = clampedBy === 'min' ? c.minInstances : clampedBy === 'max' ? c.maxInstances : needed;
  const to = targetOverride ?? target;
  const basisReason = binds
    ? `fingerprints: ${fp.explanation}, above the load's ${need.needed} (${loadReason})`
    : `${loadReason}${fp ? `; fingerprints need ${fp.needed} (${fp.explanation})` : ''}`;
  const reason =
    targetOverride !== undefined
      ? `operator asked for ${targetOverride} instances (forecast alone would give ${target})`
      : `${basisReason}${clampedBy ? `, clamped to the ${clampedBy} of ${target}` : ''}`;
  const tiers = untieredTiers(c, to);
  return {
    from,
    to,
    direction: direction(from, to),
    needed,
    clampedBy: targetOverride !== undefined ? undefined : clampedBy,
    ...(fp ? { fingerprints: { ...fp, binds } } : {}),
    tiers,
    hourlyCostBefore: from * c.hourlyPerInstance,
    hourlyCostAfter: to * c.hourlyPerInstance,
    reason,
  };
}

/** planning/tiered-plan's result in the record's shape; regional shares follow the regional forecasts. */
function tieredPlan(spec: TieredSpec, current: Record<string, number>, forecast: ForecastSummary, targetOverride?: number): PlanSummary {
  const dims = Object.fromEntries(Object.entries(forecast.dimensions ?? {}).map(([d, f]) => [d, { p50: f.peakP50, p90: f.peakP90, p99: f.peakP99 }]));
  const t = planTiered(withPredictedRegions(spec, forecast), { p50: forecast.peakP50, p90: forecast.peakP90, p99: forecast.peakP99 }, current, targetOverride, dims);
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

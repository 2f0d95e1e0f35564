/**
 * One decision's tiered plan: forecast peaks → demand per dimension → instances per compute type
 * (with the buffer from the upper quantile) → allocation over the pools → hysteresis. Pure: the
 * plan activity feeds it the service's config and the provisioner's current tiers.
 */
import { allocate, AllocationResult, PoolSpec } from './allocation';
import { demandFromRequests, InstanceNeed, instancesNeededFor, mergeDemand, RequestMix } from './capacity-model';
import { applyHysteresis, HysteresisPolicy } from './hysteresis';

export interface TieredSpec {
  /** The capacity dimension the forecast metric measures. */
  dimension: string;
  targetUtilization: number;
  minInstances: number;
  maxInstances: number;
  bufferQuantile: 'p90' | 'p99';
  buffer: { floor: number; cap: number };
  hysteresis: HysteresisPolicy;
  requestMix?: RequestMix;
  computeTypes: Record<string, { capacity: Record<string, number>; instanceTypes: string[] }>;
  /** Pools with prices resolved; `current` is filled in from the fleet. */
  pools: Array<Omit<PoolSpec, 'current'>>;
  maxSpotShare: number;
  minSpotInstanceTypes: number;
  regions: Record<string, { share: number; min: number }>;
}

export interface ForecastPeaks {
  p50: number;
  p90: number;
  p99: number;
}

export interface TieredPlan {
  from: number;
  to: number;
  /** Per tier (pool id, plus any tier the fleet has that no pool declares): from → to. */
  tiers: Record<string, { from: number; to: number }>;
  needs: InstanceNeed[];
  allocation: AllocationResult;
  hysteresis: { held: boolean; reason: string };
  hourlyCostBefore: number;
  hourlyCostAfter: number;
  /** Cheapest instance count that covers the demand (before min/max and hysteresis). */
  needed: number;
  clampedBy?: 'min' | 'max';
  reason: string;
}

/**
 * `dimensions` are forecasts of other capacity dimensions (cpu, memory, …) from their own metrics;
 * per dimension the larger of the forecast and what the request mix implies is planned for.
 */
export function planTiered(
  spec: TieredSpec,
  peaks: ForecastPeaks,
  current: Record<string, number>,
  targetOverride?: number,
  dimensions: Record<string, ForecastPeaks> = {},
): TieredPlan {
  const upperOf = (p: ForecastPeaks) => Math.max(spec.bufferQuantile === 'p99' ? p.p99 : p.p90, p.p50);
  let demand = renameDimension(demandFromRequests(peaks.p50, upperOf(peaks), spec.requestMix), 'requestsPerSecond', spec.dimension);
  for (const [d, p] of Object.entries(dimensions)) demand = mergeDemand(demand, { p50: { [d]: p.p50 }, upper: { [d]: upperOf(p) } });
  const needs = Object.entries(spec.computeTypes).map(([name, t]) =>
    instancesNeededFor(demand, { name, capacity: t.capacity }, { targetUtilization: spec.targetUtilization, buffer: spec.buffer }),
  );
  const needed = Math.min(...needs.map((n) => n.needed));

  // Bounds apply to the fleet: every compute type's need is clamped, so any mix stays inside them.
  let clampedBy: TieredPlan['clampedBy'];
  const need: Record<string, number> = {};
  for (const n of needs) {
    const want = targetOverride ?? n.needed;
    need[n.computeType] = Math.min(spec.maxInstances, Math.max(spec.minInstances, want));
    if (targetOverride === undefined && want < spec.minInstances) clampedBy = 'min';
    if (targetOverride === undefined && want > spec.maxInstances) clampedBy = 'max';
  }

  const pools: PoolSpec[] = spec.pools.map((p) => ({ ...p, current: current[p.id] ?? 0 }));
  const allocation = allocate({
    need,
    pools,
    regions: spec.regions,
    maxSpotShare: spec.maxSpotShare,
    minSpotInstanceTypes: spec.minSpotInstanceTypes,
  });

  const price = new Map(spec.pools.map((p) => [p.id, p.hourlyPrice]));
  const from = Object.values(current).reduce((a, b) => a + b, 0);
  const hourlyCostBefore = Object.entries(current).reduce((a, [id, n]) => a + n * (price.get(id) ?? 0), 0);

  const planned = allocation.status === 'FAILURE' ? from : allocation.total;
  // A held scale-in keeps today's tiers; scale-outs always go through (never swallowed).
  const hyst = targetOverride !== undefined ? { target: planned, held: false, reason: 'operator override: hysteresis not applied' } : applyHysteresis(from, planned, spec.hysteresis);
  const keep = hyst.held || allocation.status === 'FAILURE';

  const tiers: TieredPlan['tiers'] = {};
  for (const [id, n] of Object.entries(current)) tiers[id] = { from: n, to: keep ? n : 0 };
  if (!keep) for (const a of allocation.allocations) tiers[a.poolId] = { from: current[a.poolId] ?? 0, to: a.count };
  for (const p of spec.pools) tiers[p.id] ??= { from: 0, to: 0 };

  const to = keep ? from : allocation.total;
  const binding = needs.find((n) => n.needed === needed) ?? needs[0];
  const reason =
    targetOverride !== undefined
      ? `operator asked for ${targetOverride} instances (the forecast alone would need ${needed})`
      : `${binding.explanation}; allocation ${allocation.status}: ${to} instances at ${allocation.hourlyCost.toFixed(2)}/h` +
        (clampedBy ? `, clamped to the ${clampedBy} of ${clampedBy === 'min' ? spec.minInstances : spec.maxInstances}` : '') +
        (hyst.held ? `; ${hyst.reason}` : '');
  return {
    from,
    to,
    tiers,
    needs,
    allocation,
    hysteresis: { held: hyst.held, reason: hyst.reason },
    hourlyCostBefore,
    hourlyCostAfter: keep ? hourlyCostBefore : allocation.hourlyCost,
    needed,
    clampedBy,
    reason,
  };
}

function renameDimension<T extends { p50: Record<string, number>; upper: Record<string, number> }>(d: T, from: string, to: string): T {
  if (from === to) return d;
  const move = (r: Record<string, number>) => {
    const out = { ...r };
    if (from in out) {
      out[to] = out[from];
      delete out[from];
    }
    return out;
  };
  return { ...d, p50: move(d.p50), upper: move(d.upper) };
}

/**
 * Types, validation and the regional split for tiered-pool allocation (planning/allocation.ts).
 */
import { EPSILON, requireCount, requireFraction, requireNonNegative } from './input-checks';

export type Pricing = 'committed' | 'on-demand' | 'spot';
export const PRICINGS: readonly Pricing[] = ['committed', 'on-demand', 'spot'];

export interface PoolSpec {
  /** `${computeType}/${region}/${pricing}` */
  id: string;
  computeType: string;
  region: string;
  pricing: Pricing;
  /** Instance types this pool may launch (spot diversification counts distinct types). */
  instanceTypes: string[];
  min: number;
  max: number;
  /** Instances running in this pool now. */
  current: number;
  /** Hourly price per instance (for spot: the typical spot price). */
  hourlyPrice: number;
  /** Probability an instance is interrupted within an hour (0 for non-spot). */
  interruptionRate: number;
}

export interface AllocationRequest {
  /** For each compute type: instances of that type alone that cover the whole demand (InstanceNeed.needed). */
  need: Record<string, number>;
  pools: PoolSpec[];
  /** Predicted geographic mix (shares, normalised here) and per-region minimum instances. */
  regions: Record<string, { share: number; min: number }>;
  /** Spot instances ≤ floor(maxSpotShare × total allocated). */
  maxSpotShare: number;
  /** Spread spot over at least this many instance types: no type holds more than ceil(spot / N). */
  minSpotInstanceTypes: number;
}

export interface PoolAllocation {
  poolId: string; computeType: string; region: string; pricing: Pricing;
  count: number; byInstanceType: Record<string, number>; hourlyCost: number;
}
export interface AllocationResult {
  /** SUCCESS: fits in the instances that exist now; PENDING: needs provisioning beyond the current
   *  pools (some pool grows above `current`) within limits; FAILURE: impossible (reasons say why). */
  status: 'SUCCESS' | 'PENDING' | 'FAILURE';
  /** Every pool, sorted by id, count 0 allowed. */
  allocations: PoolAllocation[];
  total: number; hourlyCost: number; spotShare: number;
  /** Σ spot count × interruptionRate: instances expected to be interrupted in the next hour. */
  expectedInterruptionsPerHour: number;
  /** Plain-words steps: region split, committed used, spot capped by share/diversification, … */
  reasons: string[];
}

export function poolId(computeType: string, region: string, pricing: Pricing): string {
  return `${computeType}/${region}/${pricing}`;
}

/** The saga shows allocations as tiers: `poolId: from → to`. */
export function tierId(pool: Pick<PoolSpec, 'computeType' | 'region' | 'pricing'>): string {
  return poolId(pool.computeType, pool.region, pool.pricing);
}

/** Can `spot` instances be spread over `types` instance types with at most ceil(spot / n) on each? */
export function diversifiable(spot: number, types: number, n: number): boolean {
  return spot === 0 || spot <= types * Math.ceil(spot / n);
}

/** Checks the request and returns the pools sorted by id (the order every tie falls back on). */
export function validateRequest(req: AllocationRequest): PoolSpec[] {
  requireFraction(req.maxSpotShare, 'maxSpotShare');
  if (!Number.isInteger(req.minSpotInstanceTypes) || req.minSpotInstanceTypes < 1) {
    throw new RangeError(`minSpotInstanceTypes must be a whole number >= 1, got ${req.minSpotInstanceTypes}`);
  }
  const needs = Object.entries(req.need);
  for (const [type, n] of needs) requireCount(n, `need.${type}`);
  if (needs.some(([, n]) => n === 0) && needs.some(([, n]) => n > 0)) {
    throw new RangeError(`need must be 0 for every compute type or for none (0 instances cover the demand only when there is none), got ${JSON.stringify(req.need)}`);
  }
  for (const [region, r] of Object.entries(req.regions)) {
    requireNonNegative(r.share, `regions.${region}.share`);
    requireCount(r.min, `regions.${region}.min`);
  }
  const seen = new Set<string>();
  for (const p of req.pools) {
    const where = `pool ${p.id}`;
    if (!PRICINGS.includes(p.pricing)) throw new RangeError(`${where}: pricing must be one of ${PRICINGS.join(', ')}, got ${p.pricing}`);
    if (p.id !== poolId(p.computeType, p.region, p.pricing)) {
      throw new RangeError(`${where}: id must be ${poolId(p.computeType, p.region, p.pricing)} (computeType/region/pricing)`);
    }
    if (seen.has(p.id)) throw new RangeError(`${where} is listed twice; merge the two entries`);
    seen.add(p.id);
    if (req.need[p.computeType] === undefined) throw new RangeError(`${where}: compute type ${p.computeType} has no entry in need; add need.${p.computeType}`);
    if (!req.regions[p.region]) throw new RangeError(`${where}: region ${p.region} has no entry in regions; add regions.${p.region}`);
    requireCount(p.min, `${where} min`);
    requireCount(p.max, `${where} max`);
    requireCount(p.current, `${where} current`);
    if (p.min > p.max) throw new RangeError(`${where}: min (${p.min}) must be <= max (${p.max})`);
    requireNonNegative(p.hourlyPrice, `${where} hourlyPrice`);
    requireFraction(p.interruptionRate, `${where} interruptionRate`);
    if (p.instanceTypes.length === 0) throw new RangeError(`${where}: instanceTypes is empty; list at least one instance type`);
    if (new Set(p.instanceTypes).size !== p.instanceTypes.length) throw new RangeError(`${where}: instanceTypes has duplicates`);
  }
  return [...req.pools].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Per region and compute type, the instances of that type alone that cover the region's share:
 * each type's need split by largest remainder (ties by region name), never below the region's
 * minimum, and at least one where the region has demand (so no type covers it for free).
 */
export function splitByRegion(req: AllocationRequest): Record<string, Record<string, number>> {
  const regions = Object.keys(req.regions).sort();
  const total = regions.reduce((s, r) => s + req.regions[r].share, 0);
  if (!(total > 0)) throw new RangeError('regions: the shares must add up to more than 0; give each region its predicted share of demand');
  const out: Record<string, Record<string, number>> = Object.fromEntries(regions.map((r) => [r, {}]));
  for (const [type, need] of Object.entries(req.need)) {
    const quota = regions.map((r) => (need * req.regions[r].share) / total);
    const base = quota.map((q) => Math.floor(q + EPSILON));
    let left = need - base.reduce((s, b) => s + b, 0);
    const order = regions.map((_, i) => i).sort((a, b) => (quota[b] - base[b]) - (quota[a] - base[a]) || (regions[a] < regions[b] ? -1 : 1));
    for (const i of order) {
      if (left <= 0) break;
      base[i] += 1;
      left -= 1;
    }
    regions.forEach((r, i) => {
      const hasDemand = need > 0 && req.regions[r].share > 0;
      out[r][type] = Math.max(base[i], req.regions[r].min, hasDemand ? 1 : 0);
    });
  }
  return out;
}

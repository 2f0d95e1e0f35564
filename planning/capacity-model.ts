/**
 * Multi-dimensional capacity model: how many instances of a compute type cover a demand that is
 * measured on several dimensions (requests/s, CPU, memory, …). The buffer above P50 comes from the
 * upper quantile, kept between a floor (never run without headroom) and a cap (a wild upper band
 * must not buy a fleet).
 */
import { ceilExact, EPSILON, requireFraction, requireNonNegative, requirePositive } from './input-checks';

/** Per-instance capacity of a compute type at 100% utilisation, per dimension
 *  (e.g. { requestsPerSecond: 120, cpu: 4, memoryMiB: 8192 }). */
export interface ComputeTypeSpec { name: string; capacity: Record<string, number> }
/** Demand peaks over the planning window, per dimension. */
export interface DemandPeaks { p50: Record<string, number>; upper: Record<string, number> }
/** Predicted mix of request complexity: share of each class (sums to 1) and what one request/s
 *  of that class uses on every other dimension (e.g. { cpu: 0.02, memoryMiB: 3 }). */
export interface RequestMix { shares: Record<string, number>; perRequest: Record<string, Record<string, number>> }
export interface BufferPolicy { floor: number; cap: number }
export interface DimensionNeed { p50: number; upper: number; buffered: number; instances: number }
export interface InstanceNeed {
  computeType: string;
  /** Instances the P50 demand alone needs (max over dimensions, fractional). */
  p50Instances: number;
  /** Buffer actually applied on the binding dimension, as a fraction of P50 (floor ≤ x ≤ cap). */
  bufferPct: number;
  /** ceil(max over dimensions of buffered / (capacity × targetUtilization)). */
  needed: number;
  bindingDimension: string;
  perDimension: Record<string, DimensionNeed>;
  /** One plain-words sentence, e.g. "cpu binds: P50 31.2 → buffered 36.0 (+15%, from P90) / (4 × 0.7) = 12.9 → 13". */
  explanation: string;
}
export interface CapacityModelOptions {
  targetUtilization: number;
  buffer: BufferPolicy;
  /** How the explanation names the upper quantile (default "P90"). */
  upperLabel?: string;
}

export const DEFAULT_BUFFER: BufferPolicy = { floor: 0.1, cap: 0.2 };
export const REQUESTS = 'requestsPerSecond';
const SHARE_TOLERANCE = 1e-6;

export function demandFromRequests(requestsP50: number, requestsUpper: number, mix?: RequestMix): DemandPeaks {
  requireNonNegative(requestsP50, 'requestsP50');
  requireNonNegative(requestsUpper, 'requestsUpper');
  const p50: Record<string, number> = { [REQUESTS]: requestsP50 };
  const upper: Record<string, number> = { [REQUESTS]: requestsUpper };
  if (!mix) return { p50, upper };
  // Per request/s, what the predicted mix uses on each other dimension.
  const perRequest: Record<string, number> = {};
  let total = 0;
  for (const [cls, share] of Object.entries(mix.shares)) {
    requireFraction(share, `mix.shares.${cls}`);
    total += share;
    const uses = mix.perRequest[cls];
    if (!uses) throw new RangeError(`mix.perRequest.${cls} is missing: say what one request/s of class ${cls} uses (e.g. { cpu: 0.02 })`);
    for (const [dim, amount] of Object.entries(uses)) {
      requireNonNegative(amount, `mix.perRequest.${cls}.${dim}`);
      if (dim === REQUESTS) throw new RangeError(`mix.perRequest.${cls} must not set ${REQUESTS}: it is the forecast itself`);
      perRequest[dim] = (perRequest[dim] ?? 0) + share * amount;
    }
  }
  if (Math.abs(total - 1) > SHARE_TOLERANCE) {
    throw new RangeError(`mix.shares must sum to 1, got ${total}; normalise the class shares`);
  }
  for (const dim of Object.keys(perRequest).sort()) {
    p50[dim] = requestsP50 * perRequest[dim];
    upper[dim] = requestsUpper * perRequest[dim];
  }
  return { p50, upper };
}

/** Combine demand from several forecasts (e.g. requests and a separate memory forecast): max per dimension. */
export function mergeDemand(a: DemandPeaks, b: DemandPeaks): DemandPeaks {
  const merge = (x: Record<string, number>, y: Record<string, number>, field: string) => {
    const out: Record<string, number> = {};
    for (const dim of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) {
      const values = [x[dim], y[dim]].filter((v) => v !== undefined);
      values.forEach((v) => requireNonNegative(v, `${field}.${dim}`));
      out[dim] = Math.max(...values);
    }
    return out;
  };
  return { p50: merge(a.p50, b.p50, 'demand.p50'), upper: merge(a.upper, b.upper, 'demand.upper') };
}

export function instancesNeededFor(demand: DemandPeaks, type: ComputeTypeSpec, opts: CapacityModelOptions): InstanceNeed {
  const { targetUtilization, buffer } = opts;
  requirePositive(targetUtilization, 'targetUtilization');
  if (targetUtilization > 1) throw new RangeError(`targetUtilization must be in (0, 1], got ${targetUtilization}`);
  requireNonNegative(buffer.floor, 'buffer.floor');
  requireNonNegative(buffer.cap, 'buffer.cap');
  if (buffer.cap < buffer.floor) throw new RangeError(`buffer.cap (${buffer.cap}) must be >= buffer.floor (${buffer.floor})`);
  const dims = [...new Set([...Object.keys(demand.p50), ...Object.keys(demand.upper)])].sort();
  if (dims.length === 0) throw new RangeError('demand has no dimensions: give at least requestsPerSecond');

  const perDimension: Record<string, DimensionNeed> = {};
  let binding = '';
  let best = -1;
  let p50Instances = 0;
  for (const dim of dims) {
    const capacity = type.capacity[dim];
    if (capacity === undefined) {
      throw new RangeError(`compute type ${type.name} declares no capacity for dimension ${dim}: add capacity.${dim} to ${type.name} or drop ${dim} from the demand`);
    }
    requirePositive(capacity, `${type.name}.capacity.${dim}`);
    const p50 = requireNonNegative(demand.p50[dim] ?? 0, `demand.p50.${dim}`);
    const upper = requireNonNegative(demand.upper[dim] ?? p50, `demand.upper.${dim}`);
    const buffered = Math.min(Math.max(upper, p50 * (1 + buffer.floor)), p50 * (1 + buffer.cap));
    const perInstance = capacity * targetUtilization;
    const instances = buffered / perInstance;
    perDimension[dim] = { p50, upper, buffered, instances };
    p50Instances = Math.max(p50Instances, p50 / perInstance);
    // Strictly greater: ties keep the first dimension in name order (deterministic).
    if (instances > best + EPSILON) {
      best = instances;
      binding = dim;
    }
  }
  const b = perDimension[binding];
  const needed = ceilExact(b.instances);
  const bufferPct = b.p50 > 0 ? b.buffered / b.p50 - 1 : 0;
  return {
    computeType: type.name,
    p50Instances,
    bufferPct,
    needed,
    bindingDimension: binding,
    perDimension,
    explanation: explain(binding, b, bufferPct, type.capacity[binding], opts),
  };
}

function explain(dim: string, d: DimensionNeed, bufferPct: number, capacity: number, opts: CapacityModelOptions): string {
  const { floor, cap } = opts.buffer;
  const source = d.p50 === 0 ? 'no demand'
    : d.buffered > d.upper + EPSILON ? 'floor'
      : d.buffered < d.upper - EPSILON ? `capped, ${opts.upperLabel ?? 'P90'} was ${fmt(d.upper)}`
        : `from ${opts.upperLabel ?? 'P90'}`;
  const pct = `${bufferPct >= 0 ? '+' : ''}${Math.round(bufferPct * 100)}%`;
  return `${dim} binds: P50 ${fmt(d.p50)} → buffered ${fmt(d.buffered)} (${pct}, ${source}; buffer ${pct0(floor)}–${pct0(cap)}) / (${capacity} × ${opts.targetUtilization}) = ${fmt(d.instances)} → ${ceilExact(d.instances)}`;
}

const fmt = (x: number) => x.toFixed(1);
const pct0 = (x: number) => `${Math.round(x * 100)}%`;

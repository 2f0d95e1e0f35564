/** Plain-words and per-instance-type views of an allocation (planning/allocation.ts). */
import type { AllocationRequest, AllocationResult, PoolSpec } from './allocation-model';

/** Spot spreads evenly over the listed instance types (earlier ones take the remainder); other pools use the first. */
export function spread(p: Pick<PoolSpec, 'pricing' | 'instanceTypes'> & { count: number }): Record<string, number> {
  if (p.pricing !== 'spot') return p.count > 0 ? { [p.instanceTypes[0]]: p.count } : {};
  const out: Record<string, number> = {};
  p.instanceTypes.forEach((t, i) => {
    const k = Math.floor(p.count / p.instanceTypes.length) + (i < p.count % p.instanceTypes.length ? 1 : 0);
    if (k > 0) out[t] = k;
  });
  return out;
}

/** `poolId: from → to` for every pool whose count changes. */
export function tierChanges(result: AllocationResult, pools: PoolSpec[]): string[] {
  const current = new Map(pools.map((p) => [p.id, p.current]));
  return result.allocations.filter((a) => a.count !== current.get(a.poolId)).map((a) => `${a.poolId}: ${current.get(a.poolId) ?? 0} → ${a.count}`);
}

export function describeSplit(split: Record<string, Record<string, number>>, req: AllocationRequest): string {
  const total = Object.values(req.regions).reduce((s, r) => s + r.share, 0);
  return 'regions: ' + Object.keys(split).sort().map((r) => {
    const types = Object.entries(split[r]).map(([t, n]) => `${t} ${n}`).join(', ');
    return `${r} ${((req.regions[r].share / total) * 100).toFixed(1)}% (min ${req.regions[r].min}) → ${types || 'nothing'}`;
  }).join('; ');
}


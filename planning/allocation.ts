/**
 * Tiered-pool allocation: which pools (compute type × region × pricing) run how many instances.
 * Order, as issue 5 asks: committed capacity first (already paid for), then spot up to the share
 * and diversified over instance types, on-demand for the rest; within a class the cheapest pool
 * per unit of coverage first. Each spot pool's count is chosen by a small exact search (spot,
 * the on-demand that completes it, and the padding the spot share may force), so for one compute
 * type in one region the result is the cheapest feasible one. Pure and deterministic: every tie
 * falls back on the pool id.
 */
import {
  diversifiable, poolId, splitByRegion, tierId, validateRequest,
  type AllocationRequest, type AllocationResult, type PoolAllocation, type PoolSpec, type Pricing,
} from './allocation-model';
import { describeSplit, spread, tierChanges } from './allocation-report';
import { bestSpotCount, type Pool } from './allocation-spot';
import { ceilExact, EPSILON } from './input-checks';

export { diversifiable, poolId, tierChanges, tierId, type AllocationRequest, type AllocationResult, type PoolAllocation, type PoolSpec, type Pricing };

export function allocate(req: AllocationRequest): AllocationResult {
  const specs = validateRequest(req);
  const split = splitByRegion(req);
  const regions = Object.keys(split).sort();
  const pools: Pool[] = specs.map((p) => ({ ...p, count: p.min, n: split[p.region][p.computeType], types: p.instanceTypes.length }));
  const reasons: string[] = [describeSplit(split, req)];
  const failures: string[] = [];
  const N = req.minSpotInstanceTypes;
  const sigma = req.maxSpotShare;
  const spotAllowed = (total: number) => Math.floor(sigma * total + EPSILON);

  // Cheapest per unit of coverage first: an instance covers 1/n of its region's share.
  const byCoverageCost = (a: Pool, b: Pool) => a.hourlyPrice * a.n - b.hourlyPrice * b.n || (a.id < b.id ? -1 : 1);
  // Sorted once: the keys (price, n, id) never change while counts do.
  const sorted = new Map<string, Pool[]>();
  for (const p of [...pools].sort(byCoverageCost)) {
    const key = `${p.region}|${p.pricing}`;
    const list = sorted.get(key);
    if (list) list.push(p);
    else sorted.set(key, [p]);
  }
  const inRegion = (r: string, pricing: Pricing): Pool[] => sorted.get(`${r}|${pricing}`) ?? [];
  const demanding = new Map(regions.map((r) => [r, Object.values(split[r]).some((n) => n > 0)]));
  const regionPools = new Map(regions.map((r) => [r, pools.filter((p) => p.region === r && p.n > 0)]));
  const deficit = (r: string) => {
    if (!demanding.get(r)) return 0;
    const mine = regionPools.get(r) as Pool[];
    const covered = mine.reduce((s, p) => s + p.count / p.n, 0);
    return covered >= 1 - EPSILON ? 0 : 1 - covered;
  };

  // 0. Minimums; a spot minimum that cannot be diversified rises to the next value that can.
  for (const p of pools.filter((q) => q.pricing === 'spot')) {
    while (p.count <= p.max && !diversifiable(p.count, p.types, N)) p.count++;
    if (p.count > p.max) {
      failures.push(`${p.id}: its min ${p.min} cannot be spread over ${p.types} instance type(s) with at most ceil(spot/${N}) each below its max ${p.max}; add instance types or lower min`);
      p.count = p.max;
    } else if (p.count > p.min) reasons.push(`${p.id}: min ${p.min} raised to ${p.count} so ${p.types} instance type(s) hold at most ceil(spot/${N}) each`);
  }

  // 1. Committed capacity, region by region (re-planned around spot in 2; filled here first so an
  //    earlier region's spot search sees the later regions' committed instances in the total).
  for (const r of regions) fill(inRegion(r, 'committed'), deficit(r));

  // 2. Spot (each pool's count by an exact 1-D search), then on-demand, region by region.
  const nonSpotByPrice = pools.filter((p) => p.pricing !== 'spot').sort((a, b) => a.hourlyPrice - b.hourlyPrice || (a.id < b.id ? -1 : 1));
  regions.forEach((r, ri) => {
    for (const sp of inRegion(r, 'spot')) chooseSpot(sp, r, regions.slice(ri + 1));
    fill(inRegion(r, 'committed'), deficit(r));
    fill(inRegion(r, 'on-demand'), deficit(r));
  });
  const spotPools = pools.filter((p) => p.pricing === 'spot');

  // 3. The spot share: pad with the cheapest non-spot instances, or (no room) trim spot.
  let padded = 0;
  for (let guard = 0; spotAllowed(sum(pools)) < sum(spotPools) && guard < 1e6; guard++) {
    const pad = nonSpotByPrice.find((p) => p.count < p.max);
    if (pad) {
      pad.count++;
      padded++;
      continue;
    }
    const trim = [...spotPools].sort((a, b) => -byCoverageCost(a, b)).find((p) => lowerDiversifiable(p) !== undefined);
    if (!trim) {
      failures.push(`spot ${sum(spotPools)} exceeds floor(${sigma} × ${sum(pools)}) and no pool has room to dilute it; raise maxSpotShare, lower spot mins or raise non-spot maxes`);
      break;
    }
    trim.count = lowerDiversifiable(trim) as number;
    fill([...inRegion(trim.region, 'committed'), ...inRegion(trim.region, 'on-demand')], deficit(trim.region));
    reasons.push(`${trim.id}: trimmed to ${trim.count} to respect the spot share`);
  }
  if (padded > 0) reasons.push(`padding: +${padded} non-spot instance(s) so spot ${sum(spotPools)} ≤ floor(${sigma} × ${sum(pools)})`);

  for (const r of regions) {
    const short = deficit(r);
    if (short <= EPSILON) continue;
    const mine = pools.filter((p) => p.region === r && p.n > 0).sort((a, b) => a.n - b.n || (a.id < b.id ? -1 : 1));
    failures.push(mine.length > 0
      ? `region ${r}: pools at their max leave ${fmtPct(short)} of its share uncovered (≈ ${ceilExact(short * mine[0].n)} more ${mine[0].computeType} instances); raise a pool's max in ${r}`
      : `region ${r}: has demand but no pools; add a pool in ${r} or set its share to 0`);
  }

  // 4. Global coverage (regional rounding of mixed compute types can leave it just below 1).
  const totalNeed = Object.values(req.need).some((n) => n > 0);
  const coverage = () => pools.reduce((s, p) => s + p.count / req.need[p.computeType], 0);
  if (totalNeed && failures.length === 0) {
    const topUp = pools.filter((p) => p.pricing !== 'spot').sort((a, b) => a.hourlyPrice * req.need[a.computeType] - b.hourlyPrice * req.need[b.computeType] || (a.id < b.id ? -1 : 1));
    let added = 0;
    while (coverage() < 1 - EPSILON) {
      const p = topUp.find((q) => q.count < q.max);
      if (!p) {
        failures.push(`total coverage ${fmtPct(coverage())} of the need and no non-spot pool has room; raise a pool's max`);
        break;
      }
      p.count++;
      added++;
    }
    if (added > 0) reasons.push(`top-up: +${added} so the regions together cover the whole need`);
  }

  if (failures.length === 0) dropSurplus();
  for (const sp of spotPools) explainSpot(sp);
  const committed = pools.filter((p) => p.pricing === 'committed');
  if (committed.length > 0) {
    reasons.push(`committed: ${sum(committed)} of ${committed.reduce((s, p) => s + p.max, 0)} available (${committed.filter((p) => p.count > 0).map((p) => `${p.id} ${p.count}`).join(', ') || 'none needed'})`);
  }
  const spot = sum(spotPools);
  reasons.push(`spot: ${spot} of at most floor(${sigma} × ${sum(pools)}) = ${spotAllowed(sum(pools))}; on-demand: ${sum(pools.filter((p) => p.pricing === 'on-demand'))}`);
  return finish();

  /** Adds instances cheapest-first until `d` of a region's share is covered; returns what stays uncovered. */
  function fill(sorted: Pool[], d: number): number {
    for (const p of sorted) {
      if (d <= EPSILON) break;
      const k = Math.min(p.max - p.count, ceilExact(d * p.n));
      p.count += k;
      d -= k / p.n;
    }
    return d > EPSILON ? d : 0;
  }

  /** Exact search over this spot pool's count: spot + on-demand to complete + padding for the share. */
  function chooseSpot(sp: Pool, r: string, later: string[]): void {
    // Committed is re-planned around each spot count: more spot can leave committed surplus.
    const committedHere = inRegion(r, 'committed');
    for (const p of committedHere) p.count = p.min;
    const d = deficit(r);
    // Later regions add at least this many instances: a lower bound keeps early spot conservative.
    const laterMin = later.reduce((s, lr) => s + ceilExact(deficit(lr) * Math.min(...pools.filter((p) => p.region === lr && p.n > 0).map((p) => p.n), Infinity)), 0);
    const best = bestSpotCount({
      spot: sp, deficit: d, complete: [...committedHere, ...inRegion(r, 'on-demand')], nonSpotByPrice,
      totalNow: sum(pools), spotNow: sum(pools.filter((p) => p.pricing === 'spot')), laterMin,
      maxSpotShare: sigma, minSpotInstanceTypes: N,
    });
    // What spot alone would take once committed is used first (for the reasons only).
    let afterCommitted = d;
    for (const p of committedHere) afterCommitted = Math.max(0, afterCommitted - Math.min(p.max - p.count, ceilExact(afterCommitted * p.n)) / p.n);
    const cover = Math.min(sp.max, sp.count + ceilExact(afterCommitted * sp.n));
    const spreadNote = `${cover} cannot be spread over ${sp.types} instance type(s) with at most ceil(spot/${N}) each`;
    if (best > cover) reasons.push(`${sp.id}: ${best} spot, ${best - cover} more than the need takes, because ${spreadNote} and this is cheaper than on-demand`);
    else if (best < cover && best === largestDiversifiable(cover, sp.types, N)) reasons.push(`${sp.id}: less spot (${best}), as ${spreadNote}`);
    else if (best < cover) reasons.push(`${sp.id}: spot held at ${best} of ${cover} by the share cap floor(${sigma} × total)`);
    sp.count = best;
  }

  /** A spot count rounded up for diversification can leave earlier (committed) instances surplus: drop them, dearest first. */
  function dropSurplus(): void {
    const dearestFirst = [...pools].sort((a, b) => b.hourlyPrice - a.hourlyPrice || (a.id < b.id ? -1 : 1));
    const feasible = () => regions.every((r) => deficit(r) === 0) && spotAllowed(sum(pools)) >= sum(spotPools) && (!totalNeed || coverage() >= 1 - EPSILON);
    const dropped: string[] = [];
    for (const p of dearestFirst) {
      let k = 0;
      for (;;) {
        const before = p.count;
        const next = p.pricing === 'spot' ? lowerDiversifiable(p) : p.count > p.min ? p.count - 1 : undefined;
        if (next === undefined) break;
        p.count = next;
        if (!feasible()) {
          p.count = before;
          break;
        }
        k += before - next;
      }
      if (k > 0) dropped.push(`${p.id} −${k}`);
    }
    if (dropped.length > 0) reasons.push(`surplus dropped: ${dropped.join(', ')}`);
  }

  function lowerDiversifiable(p: Pool): number | undefined {
    for (let s = p.count - 1; s >= p.min; s--) if (diversifiable(s, p.types, N)) return s;
    return undefined;
  }

  function explainSpot(sp: Pool): void {
    if (sp.types < N && sp.count > 0) reasons.push(`${sp.id}: ${sp.count} over ${sp.types} instance type(s), fewer than ${N}, allowed because none holds more than ceil(${sp.count}/${N}) = ${Math.ceil(sp.count / N)}`);
  }

  function finish(): AllocationResult {
    const allocations = pools.map((p): PoolAllocation => ({
      poolId: p.id, computeType: p.computeType, region: p.region, pricing: p.pricing,
      count: p.count, byInstanceType: spread(p), hourlyCost: p.count * p.hourlyPrice,
    }));
    const total = sum(pools);
    const spot = sum(pools.filter((p) => p.pricing === 'spot'));
    const status = failures.length > 0 ? 'FAILURE' : pools.some((p) => p.count > p.current) ? 'PENDING' : 'SUCCESS';
    const growing = pools.filter((p) => p.count > p.current).map((p) => `${p.id} ${p.current} → ${p.count}`);
    reasons.push(...failures);
    reasons.push(status === 'PENDING' ? `PENDING: provision ${growing.join(', ')}` : status === 'SUCCESS' ? 'SUCCESS: fits in the instances running now' : 'FAILURE: the limits cannot cover the need');
    return {
      status, allocations, total, spotShare: total > 0 ? spot / total : 0, reasons,
      hourlyCost: allocations.reduce((s, a) => s + a.hourlyCost, 0),
      expectedInterruptionsPerHour: pools.reduce((s, p) => s + (p.pricing === 'spot' ? p.count * p.interruptionRate : 0), 0),
    };
  }
}

function largestDiversifiable(atMost: number, types: number, n: number): number {
  let s = atMost;
  while (s > 0 && !diversifiable(s, types, n)) s--;
  return s;
}

const sum = (ps: { count: number }[]) => ps.reduce((s, p) => s + p.count, 0);
const fmtPct = (x: number) => `${(x * 100).toFixed(1)}%`;


/**
 * The exact 1-D search behind each spot pool's count (planning/allocation.ts): for every spot
 * count the pool can diversify, the committed and on-demand that complete the region and the
 * non-spot padding the spot share then needs; the best is the one that covers the region, keeps
 * the share, and costs least (ties keep less spot). A module-level function over plain numbers,
 * so V8 optimises it and it allocates nothing per candidate.
 */
import type { PoolSpec } from './allocation-model';
import { diversifiable } from './allocation-model';
import { EPSILON } from './input-checks';

/** A pool being allocated: its spec, its count so far, the instances of its type that cover its
 *  region's share (n) and how many instance types it may launch. */
export interface Pool extends PoolSpec { count: number; n: number; types: number }

export interface SpotSearch {
  spot: Pool;
  /** Uncovered fraction of the region's share before this pool adds spot. */
  deficit: number;
  /** Non-spot pools of the region that complete it, in fill order (committed first). */
  complete: Pool[];
  /** Every non-spot pool, cheapest instance first: where padding for the spot share goes. */
  nonSpotByPrice: Pool[];
  /** All instances and spot instances allocated now, and the fewest later regions will add. */
  totalNow: number;
  spotNow: number;
  laterMin: number;
  maxSpotShare: number;
  minSpotInstanceTypes: number;
}

export function bestSpotCount(x: SpotSearch): number {
  const { spot: sp, complete, nonSpotByPrice, deficit: d, maxSpotShare: sigma, minSpotInstanceTypes: N } = x;
  const use = new Array<number>(complete.length).fill(0);
  let hi = Math.min(sp.max, sp.count + ceil(d * sp.n));
  while (hi < sp.max && !diversifiable(hi, sp.types, N)) hi++;
  let bestS = sp.count;
  let bestUncovered = Infinity;
  let bestPadShort = Infinity;
  let bestCost = Infinity;
  for (let s = sp.count; s <= hi; s++) {
    if (!diversifiable(s, sp.types, N)) continue;
    let dd = Math.max(0, d - (s - sp.count) / sp.n);
    let cost = (s - sp.count) * sp.hourlyPrice;
    let added = 0;
    for (let i = 0; i < complete.length; i++) {
      const p = complete[i];
      const k = dd > EPSILON ? Math.min(p.max - p.count, ceil(dd * p.n)) : 0;
      use[i] = k;
      added += k;
      cost += k * p.hourlyPrice;
      dd -= k / p.n;
    }
    const uncovered = dd > EPSILON ? dd : 0;
    const S = x.spotNow + s - sp.count;
    const T = x.totalNow + s - sp.count + added + x.laterMin;
    let padShort = 0;
    if (sigma <= 0) padShort = S;
    else {
      let pad = Math.max(0, ceil(S / sigma) - T);
      while (Math.floor(sigma * (T + pad) + EPSILON) < S) pad++;
      for (let j = 0; j < nonSpotByPrice.length && pad > 0; j++) {
        const p = nonSpotByPrice[j];
        const i = complete.indexOf(p);
        const k = Math.min(pad, p.max - p.count - (i >= 0 ? use[i] : 0));
        pad -= k;
        cost += k * p.hourlyPrice;
      }
      padShort = pad;
    }
    const cmp = compare(uncovered, bestUncovered) || compare(padShort, bestPadShort) || compare(cost, bestCost);
    if (cmp < 0) {
      bestS = s;
      bestUncovered = uncovered;
      bestPadShort = padShort;
      bestCost = cost;
    }
  }
  return bestS;
}

function ceil(x: number): number {
  return Math.max(0, Math.ceil(x - EPSILON));
}

/** −1, 1, or 0 when equal within EPSILON (Infinity compares as larger than any finite value). */
function compare(a: number, b: number): number {
  if (a === b) return 0;
  if (a < b - EPSILON) return -1;
  if (a > b + EPSILON) return 1;
  return 0;
}

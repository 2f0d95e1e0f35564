import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, diversifiable, poolId, tierChanges, type AllocationRequest, type AllocationResult, type PoolSpec, type Pricing } from '../../planning/allocation';

const RUNS = 300;

function pool(computeType: string, region: string, pricing: Pricing, over: Partial<PoolSpec> = {}): PoolSpec {
  return {
    id: poolId(computeType, region, pricing), computeType, region, pricing,
    instanceTypes: ['m5.large'], min: 0, max: 50, current: 0,
    hourlyPrice: pricing === 'committed' ? 0.06 : pricing === 'spot' ? 0.04 : 0.1,
    interruptionRate: pricing === 'spot' ? 0.05 : 0, ...over,
  };
}

const count = (r: AllocationResult, id: string) => r.allocations.find((a) => a.poolId === id)?.count;
const spotOf = (r: AllocationResult) => r.allocations.filter((a) => a.pricing === 'spot').reduce((s, a) => s + a.count, 0);
const allowed = (share: number, total: number) => Math.floor(share * total + 1e-9);

describe('allocate: examples', () => {
  it('uses committed first, spot up to the share, on-demand for the rest', () => {
    const pools = [
      pool('general', 'eu', 'committed', { max: 4, current: 4 }),
      pool('general', 'eu', 'spot', { instanceTypes: ['m5.large', 'm6i.large', 'm5a.large'] }),
      pool('general', 'eu', 'on-demand', { current: 2 }),
    ];
    const r = allocate({ need: { general: 20 }, pools, regions: { eu: { share: 1, min: 0 } }, maxSpotShare: 0.5, minSpotInstanceTypes: 3 });
    expect(r.status).toBe('PENDING');
    expect([count(r, 'general/eu/committed'), count(r, 'general/eu/spot'), count(r, 'general/eu/on-demand')]).toEqual([4, 10, 6]);
    expect(r.allocations.find((a) => a.pricing === 'spot')?.byInstanceType).toEqual({ 'm5.large': 4, 'm6i.large': 3, 'm5a.large': 3 });
    expect(r.total).toBe(20);
    expect(r.spotShare).toBe(0.5);
    expect(r.hourlyCost).toBeCloseTo(4 * 0.06 + 10 * 0.04 + 6 * 0.1);
    expect(r.expectedInterruptionsPerHour).toBeCloseTo(0.5);
    expect(r.reasons.join('\n')).toMatch(/committed: 4 of 4/);
    expect(tierChanges(r, pools)).toEqual(['general/eu/on-demand: 2 → 6', 'general/eu/spot: 0 → 10']);
  });

  it('is SUCCESS when the running instances already cover the need', () => {
    const pools = [pool('general', 'eu', 'on-demand', { current: 5 })];
    const r = allocate({ need: { general: 5 }, pools, regions: { eu: { share: 1, min: 0 } }, maxSpotShare: 0, minSpotInstanceTypes: 1 });
    expect(r.status).toBe('SUCCESS');
    expect(r.reasons.at(-1)).toMatch(/SUCCESS/);
  });

  it('splits regions by largest remainder and honours region minimums', () => {
    const pools = ['eu', 'us', 'ap'].map((reg) => pool('general', reg, 'on-demand'));
    const r = allocate({ need: { general: 10 }, pools, regions: { eu: { share: 0.45, min: 0 }, us: { share: 0.45, min: 0 }, ap: { share: 0.1, min: 3 } }, maxSpotShare: 0, minSpotInstanceTypes: 1 });
    // 4.5 / 4.5 / 1 → remainders tie, broken by name (eu before us); ap rises to its min of 3.
    expect([count(r, 'general/eu/on-demand'), count(r, 'general/us/on-demand'), count(r, 'general/ap/on-demand')]).toEqual([5, 4, 3]);
    expect(r.reasons[0]).toMatch(/ap 10\.0% \(min 3\) → general 3/);
  });

  it('uses less spot when it cannot be diversified, and says so', () => {
    // Only 2 instance types for N = 3: 3 spot would put 2 on one type > ceil(3/3) = 1.
    const pools = [pool('general', 'eu', 'spot', { instanceTypes: ['a', 'b'] }), pool('general', 'eu', 'on-demand', { hourlyPrice: 0.07 })];
    const req: AllocationRequest = { need: { general: 3 }, pools, regions: { eu: { share: 1, min: 0 } }, maxSpotShare: 1, minSpotInstanceTypes: 3 };
    const r = allocate(req);
    expect(count(r, 'general/eu/spot')).toBe(2);
    expect(count(r, 'general/eu/on-demand')).toBe(1);
    expect(r.allocations.find((a) => a.pricing === 'spot')?.byInstanceType).toEqual({ a: 1, b: 1 });
    expect(r.reasons.join('\n')).toMatch(/less spot \(2\), as 3 cannot be spread over 2 instance type/);
    // When on-demand costs more than two spot instances, 4 spot (2 per type = ceil(4/3)) is cheaper than 2 + 1.
    const pricey = allocate({ ...req, pools: [pools[0], { ...pools[1], hourlyPrice: 0.1 }] });
    expect(count(pricey, 'general/eu/spot')).toBe(4);
    expect(pricey.reasons.join('\n')).toMatch(/4 spot, 1 more than the need takes/);
  });

  it('caps spot by the share of the total', () => {
    const pools = [pool('general', 'eu', 'spot', { instanceTypes: ['a', 'b', 'c'] }), pool('general', 'eu', 'on-demand')];
    const r = allocate({ need: { general: 10 }, pools, regions: { eu: { share: 1, min: 0 } }, maxSpotShare: 0.3, minSpotInstanceTypes: 2 });
    expect([count(r, 'general/eu/spot'), count(r, 'general/eu/on-demand')]).toEqual([3, 7]);
    expect(r.reasons.join('\n')).toMatch(/spot held at 3 of 10 by the share cap floor\(0\.3 × total\)/);
  });

  it('fails naming the region and the shortfall when the maxes cannot cover the need', () => {
    const pools = [pool('general', 'eu', 'on-demand', { max: 3 }), pool('general', 'us', 'on-demand', { max: 10 })];
    const r = allocate({ need: { general: 10 }, pools, regions: { eu: { share: 0.5, min: 0 }, us: { share: 0.5, min: 0 } }, maxSpotShare: 0, minSpotInstanceTypes: 1 });
    expect(r.status).toBe('FAILURE');
    expect(r.reasons.join('\n')).toMatch(/region eu: .*≈ 2 more general instances/);
  });

  it('pads with the cheapest non-spot instances when spot minimums exceed the share', () => {
    const pools = [
      pool('general', 'eu', 'spot', { min: 4, max: 4, instanceTypes: ['a', 'b', 'c', 'd'] }),
      pool('general', 'eu', 'committed', { max: 1, hourlyPrice: 0.02 }),
      pool('general', 'eu', 'on-demand'),
    ];
    const r = allocate({ need: { general: 4 }, pools, regions: { eu: { share: 1, min: 0 } }, maxSpotShare: 0.5, minSpotInstanceTypes: 4 });
    // 4 spot need a total of 8: the one committed instance first, then on-demand.
    expect([count(r, 'general/eu/spot'), count(r, 'general/eu/committed'), count(r, 'general/eu/on-demand')]).toEqual([4, 1, 3]);
    expect(r.reasons.join('\n')).toMatch(/padding: \+4 non-spot instance\(s\) so spot 4 ≤ floor\(0\.5 × 8\)/);
  });

  it('fails for a region with demand but no pools', () => {
    const r = allocate({ need: { general: 4 }, pools: [pool('general', 'eu', 'on-demand')], regions: { eu: { share: 1, min: 0 }, us: { share: 1, min: 0 } }, maxSpotShare: 0, minSpotInstanceTypes: 1 });
    expect(r.status).toBe('FAILURE');
    expect(r.reasons.join('\n')).toMatch(/region us: has demand but no pools; add a pool in us or set its share to 0/);
  });

  it('mixes compute types by cost per unit of coverage', () => {
    // compute covers the demand with 5 instances at 0.3 (1.5 per demand), general with 20 at 0.1 (2.0).
    const pools = [pool('general', 'eu', 'on-demand', { hourlyPrice: 0.1 }), pool('compute', 'eu', 'on-demand', { hourlyPrice: 0.3 })];
    const r = allocate({ need: { general: 20, compute: 5 }, pools, regions: { eu: { share: 1, min: 0 } }, maxSpotShare: 0, minSpotInstanceTypes: 1 });
    expect([count(r, 'compute/eu/on-demand'), count(r, 'general/eu/on-demand')]).toEqual([5, 0]);
  });

  it('rejects bad input with the field and the fix', () => {
    const base: AllocationRequest = { need: { general: 1 }, pools: [pool('general', 'eu', 'spot')], regions: { eu: { share: 1, min: 0 } }, maxSpotShare: 0.5, minSpotInstanceTypes: 1 };
    expect(() => allocate({ ...base, maxSpotShare: 1.5 })).toThrow(/maxSpotShare must be a fraction/);
    expect(() => allocate({ ...base, minSpotInstanceTypes: 0 })).toThrow(/minSpotInstanceTypes must be a whole number >= 1/);
    expect(() => allocate({ ...base, need: { general: NaN } })).toThrow(/need\.general must be a whole number/);
    expect(() => allocate({ ...base, pools: [{ ...base.pools[0], id: 'x' }] })).toThrow(/id must be general\/eu\/spot/);
    expect(() => allocate({ ...base, pools: [{ ...base.pools[0], min: 5, max: 2 }] })).toThrow(/min \(5\) must be <= max \(2\)/);
    expect(() => allocate({ ...base, pools: [pool('gpu', 'eu', 'spot')] })).toThrow(/compute type gpu has no entry in need/);
    expect(() => allocate({ ...base, pools: [pool('general', 'mars', 'spot')] })).toThrow(/region mars has no entry in regions/);
    expect(() => allocate({ ...base, pools: [pool('general', 'eu', 'spot', { instanceTypes: [] })] })).toThrow(/instanceTypes is empty/);
    expect(() => allocate({ ...base, regions: { eu: { share: 0, min: 0 } } })).toThrow(/shares must add up to more than 0/);
  });
});

// ---- property tests ----

const PRICE_RANGE: Record<Pricing, [number, number]> = { committed: [1, 5], spot: [5, 10], 'on-demand': [10, 30] };

const poolArb = (computeType: string, region: string, pricing: Pricing) =>
  fc.record({
    min: fc.integer({ min: 0, max: 3 }),
    extra: fc.integer({ min: 0, max: 6 }),
    current: fc.integer({ min: 0, max: 8 }),
    // Realistic order: committed ≤ spot ≤ on-demand per instance.
    price: fc.integer({ min: PRICE_RANGE[pricing][0], max: PRICE_RANGE[pricing][1] }),
    types: fc.integer({ min: 1, max: pricing === 'spot' ? 4 : 1 }),
    rate: fc.double({ min: 0, max: pricing === 'spot' ? 0.2 : 0, noNaN: true }),
  }).map((g): PoolSpec => ({
    id: poolId(computeType, region, pricing), computeType, region, pricing,
    instanceTypes: Array.from({ length: g.types }, (_, i) => `${computeType}.t${i}`),
    min: g.min, max: g.min + g.extra, current: g.current, hourlyPrice: g.price / 100, interruptionRate: g.rate,
  }));

const PRICINGS: Pricing[] = ['committed', 'spot', 'on-demand'];
const knobs = fc.record({
  maxSpotShare: fc.constantFrom(0, 0.2, 0.3, 0.5, 0.7, 1),
  minSpotInstanceTypes: fc.integer({ min: 1, max: 4 }),
});

/** One compute type, one region, any non-empty subset of the three pricing classes. */
const simpleArb = fc.record({
  need: fc.integer({ min: 0, max: 14 }),
  regionMin: fc.integer({ min: 0, max: 3 }),
  which: fc.subarray(PRICINGS, { minLength: 1 }),
  knobs,
}).chain((g) => fc.tuple(...g.which.map((p) => poolArb('general', 'eu', p))).map((pools): AllocationRequest => ({
  need: { general: g.need }, pools, regions: { eu: { share: 1, min: g.regionMin } }, ...g.knobs,
})));

/** Up to 3 compute types × 3 regions, a random subset of the pools. */
const generalArb = fc.record({
  types: fc.subarray(['general', 'compute', 'memory'], { minLength: 1 }),
  regions: fc.subarray(['eu', 'us', 'ap'], { minLength: 1 }),
  scale: fc.integer({ min: 0, max: 30 }),
  knobs,
}).chain((g) => {
  const combos = g.types.flatMap((t) => g.regions.flatMap((r) => PRICINGS.map((p) => [t, r, p] as const)));
  return fc.record({
    pools: fc.subarray(combos, { minLength: 1 }).chain((cs) => fc.tuple(...cs.map(([t, r, p]) => poolArb(t, r, p)))),
    ratios: fc.tuple(...g.types.map(() => fc.integer({ min: 1, max: 3 }))),
    regionSpecs: fc.tuple(...g.regions.map(() => fc.record({ share: fc.integer({ min: 0, max: 5 }), min: fc.integer({ min: 0, max: 2 }) }))),
    order: fc.array(fc.integer(), { minLength: 27, maxLength: 27 }),
  }).map(({ pools, ratios, regionSpecs, order }) => {
    // Need per type: one demand expressed in instances of types of different sizes.
    const need = Object.fromEntries(g.types.map((t, i) => [t, g.scale * ratios[i]]));
    const regions = Object.fromEntries(g.regions.map((r, i) => [r, { share: regionSpecs[i].share + (i === 0 ? 1 : 0), min: regionSpecs[i].min }]));
    return { req: { need, pools, regions, ...g.knobs } as AllocationRequest, order };
  });
});

function checkInvariants(req: AllocationRequest, r: AllocationResult): void {
  const byId = new Map(req.pools.map((p) => [p.id, p]));
  expect(r.allocations.map((a) => a.poolId)).toEqual([...byId.keys()].sort());
  for (const a of r.allocations) {
    const p = byId.get(a.poolId) as PoolSpec;
    expect(a.count).toBeGreaterThanOrEqual(p.min);
    expect(a.count).toBeLessThanOrEqual(p.max);
    expect(Object.values(a.byInstanceType).reduce((s, k) => s + k, 0)).toBe(a.count);
    for (const t of Object.keys(a.byInstanceType)) expect(p.instanceTypes).toContain(t);
  }
  expect(r.total).toBe(r.allocations.reduce((s, a) => s + a.count, 0));
  // A FAILURE keeps min ≤ count ≤ max, but mins may force what no plan can satisfy.
  if (r.status === 'FAILURE') return;
  for (const a of r.allocations.filter((x) => x.pricing === 'spot')) {
    for (const k of Object.values(a.byInstanceType)) expect(k).toBeLessThanOrEqual(Math.ceil(a.count / req.minSpotInstanceTypes));
  }
  expect(spotOf(r)).toBeLessThanOrEqual(allowed(req.maxSpotShare, r.total));
  if (Object.values(req.need).some((n) => n > 0)) {
    const coverage = r.allocations.reduce((s, a) => s + a.count / req.need[a.computeType], 0);
    expect(coverage).toBeGreaterThanOrEqual(1 - 1e-9);
  }
  for (const [region, spec] of Object.entries(req.regions)) {
    if (!req.pools.some((p) => p.region === region)) continue;
    expect(r.allocations.filter((a) => a.region === region).reduce((s, a) => s + a.count, 0)).toBeGreaterThanOrEqual(spec.min);
  }
  expect(r.status).toBe(r.allocations.some((a) => a.count > (byId.get(a.poolId) as PoolSpec).current) ? 'PENDING' : 'SUCCESS');
}

/** Cheapest cost over every count of every pool (one compute type, one region), or undefined. */
function bruteForce(req: AllocationRequest): number | undefined {
  const need = Math.max(req.need.general, req.regions.eu.min);
  let best: number | undefined;
  const walk = (i: number, counts: number[]) => {
    if (i === req.pools.length) {
      const total = counts.reduce((s, c) => s + c, 0);
      if (total < need) return;
      let spot = 0;
      let cost = 0;
      req.pools.forEach((p, j) => {
        cost += counts[j] * p.hourlyPrice;
        if (p.pricing === 'spot') {
          spot += counts[j];
          if (!diversifiable(counts[j], p.instanceTypes.length, req.minSpotInstanceTypes)) cost = Infinity;
        }
      });
      if (spot > allowed(req.maxSpotShare, total) || !Number.isFinite(cost)) return;
      if (best === undefined || cost < best) best = cost;
      return;
    }
    for (let c = req.pools[i].min; c <= req.pools[i].max; c++) walk(i + 1, [...counts, c]);
  };
  walk(0, []);
  return best;
}

describe('allocate: properties', () => {
  it('respects pool min/max, spot share, diversification, coverage and status (many types and regions)', () => {
    fc.assert(fc.property(generalArb, ({ req }) => checkInvariants(req, allocate(req))), { numRuns: RUNS });
  });

  it('is deterministic: same input twice, and with the pools shuffled, give the same result', () => {
    fc.assert(fc.property(generalArb, ({ req, order }) => {
      const first = allocate(req);
      const keyed = req.pools.map((p, i) => ({ p, k: order[i % order.length] + i / 1000 }));
      const shuffled = keyed.sort((a, b) => a.k - b.k).map((x) => x.p);
      expect(allocate(req)).toEqual(first);
      expect(allocate({ ...req, pools: shuffled })).toEqual(first);
    }), { numRuns: RUNS });
  });

  it('one compute type in one region: feasible exactly when brute force finds a plan, and as cheap', () => {
    fc.assert(fc.property(simpleArb, (req) => {
      const r = allocate(req);
      checkInvariants(req, r);
      const best = bruteForce(req);
      if (best === undefined) expect(r.status).toBe('FAILURE');
      else {
        expect(r.status).not.toBe('FAILURE');
        expect(r.hourlyCost).toBeCloseTo(best, 9);
      }
    }), { numRuns: 1000 });
  });
});

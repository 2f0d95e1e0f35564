import { describe, expect, it } from 'vitest';
import {
  bundledCatalog,
  catalogAge,
  DEFAULT_COMMITTED_DISCOUNT,
  loadCatalog,
  poolHourlyPrice,
  priceOf,
  PriceCatalogError,
  spotInterruptionPerHour,
  type PriceCatalog,
} from '../../planning/price-catalog';

const small = (): PriceCatalog =>
  structuredClone({
    version: 1 as const,
    currency: 'USD' as const,
    asOf: '2026-11-22',
    sources: [{ id: 'test', description: 'hand-written for this test' }],
    regions: {
      'us-east-1': {
        'c6i.xlarge': { vcpu: 4, memoryGiB: 8, onDemand: 0.17, spot: 0.07, committed1yr: 0.107, spotInterruption: '<5%' as const, source: 'test' },
        'c6i.2xlarge': { vcpu: 8, memoryGiB: 16, onDemand: 0.34, spot: 0.13, source: 'test' },
        'c6a.xlarge': { vcpu: 4, memoryGiB: 8, onDemand: 0.153, spot: 0.09, source: 'test' },
      },
      'eu-west-1': { 'm6i.xlarge': { vcpu: 4, memoryGiB: 16, onDemand: 0.214, spot: 0.085, source: 'test' } },
    },
  });

describe('the bundled catalog', () => {
  const catalog = bundledCatalog();
  const families = ['c6i', 'c6a', 'c5', 'c7g', 'r6i', 'r6a', 'r5', 'm6i', 'm6a', 'm5'];
  const required = [...families.flatMap((f) => [`${f}.xlarge`, `${f}.2xlarge`]), 'g4dn.xlarge', 'g5.xlarge'];

  it('is valid, dated, says it was compiled offline, and covers the representative set', () => {
    expect(catalog.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(catalog.sources.map((s) => s.description).join(' ')).toMatch(/compiled offline/i);
    for (const region of ['us-east-1', 'us-west-2', 'eu-west-1']) {
      expect(Object.keys(catalog.regions[region]).sort()).toEqual(expect.arrayContaining(required));
    }
  });

  it('is internally consistent: spot and committed below On-Demand, a 2xlarge twice its xlarge', () => {
    for (const [region, types] of Object.entries(catalog.regions)) {
      for (const [type, e] of Object.entries(types)) {
        expect(e.spot, `${region} ${type}`).toBeLessThan(e.onDemand);
        if (e.committed1yr !== undefined) expect(e.committed1yr, `${region} ${type}`).toBeLessThan(e.onDemand);
        const big = types[type.replace('.xlarge', '.2xlarge')];
        if (type.endsWith('.xlarge') && big) {
          expect(big.onDemand, `${region} ${type}`).toBeCloseTo(2 * e.onDemand, 3);
          expect(big.vcpu).toBe(2 * e.vcpu);
        }
      }
    }
  });
});

describe('spotInterruptionPerHour', () => {
  it("spreads the worst type's monthly Spot Advisor bucket over the month's hours", () => {
    const c = small();
    expect(spotInterruptionPerHour(c, 'us-east-1', ['c6i.xlarge'])).toBeCloseTo(0.05 / 730.5, 12);
    c.regions['us-east-1']['c6a.xlarge'].spotInterruption = '10-15%';
    expect(spotInterruptionPerHour(c, 'us-east-1', ['c6i.xlarge', 'c6a.xlarge'])).toBeCloseTo(0.15 / 730.5, 12);
    expect(spotInterruptionPerHour(c, 'us-east-1', ['c6i.2xlarge'])).toBeUndefined();
    expect(spotInterruptionPerHour(c, 'ap-south-1', ['c6i.xlarge'])).toBeUndefined();
  });
});

describe('priceOf', () => {
  const c = small();
  it('returns the On-Demand, spot and committed prices', () => {
    expect(priceOf(c, 'us-east-1', 'c6i.xlarge', 'on-demand')).toBe(0.17);
    expect(priceOf(c, 'us-east-1', 'c6i.xlarge', 'spot')).toBe(0.07);
    expect(priceOf(c, 'us-east-1', 'c6i.xlarge', 'committed')).toBe(0.107);
  });
  it('estimates committed from the default discount when the entry has no committed1yr', () => {
    expect(priceOf(c, 'us-east-1', 'c6a.xlarge', 'committed')).toBeCloseTo(0.153 * (1 - DEFAULT_COMMITTED_DISCOUNT), 4);
    expect(priceOf(c, 'us-east-1', 'c6a.xlarge', 'committed')).toBeLessThan(priceOf(c, 'us-east-1', 'c6a.xlarge', 'on-demand'));
  });
  it('names what exists when the region or type is unknown', () => {
    expect(() => priceOf(c, 'us-east-2', 'c6i.xlarge', 'spot')).toThrow(PriceCatalogError);
    expect(() => priceOf(c, 'us-east-2', 'c6i.xlarge', 'spot')).toThrow(/no prices for region "us-east-2".*it has eu-west-1, us-east-1.*hourlyPrice/);
    expect(() => priceOf(c, 'eu-west-1', 'c6i.xlarge', 'spot')).toThrow(/no price for "c6i.xlarge" in eu-west-1.*eu-west-1 has m6i.xlarge/);
  });
});

describe('poolHourlyPrice', () => {
  const c = small();
  it('is the dearest type of the pool under its pricing', () => {
    expect(poolHourlyPrice(c, 'us-east-1', ['c6i.xlarge', 'c6a.xlarge'], 'on-demand')).toBe(0.17);
    // Under spot the order flips: c6a is the dearer one here.
    expect(poolHourlyPrice(c, 'us-east-1', ['c6i.xlarge', 'c6a.xlarge'], 'spot')).toBe(0.09);
    expect(poolHourlyPrice(c, 'us-east-1', ['c6i.xlarge'], 'committed')).toBe(0.107);
  });
  it('rejects an empty pool and any unknown type in it', () => {
    expect(() => poolHourlyPrice(c, 'us-east-1', [], 'spot')).toThrow(/lists no instance types/);
    expect(() => poolHourlyPrice(c, 'us-east-1', ['c6i.xlarge', 'c9x.huge'], 'spot')).toThrow(/"c9x.huge"/);
  });
});

describe('loadCatalog', () => {
  /** A catalog with one field set (or deleted, for undefined), loaded as my-prices.json. */
  const bad = (path: string[], value: unknown) => {
    const c = small() as unknown as Record<string, unknown>;
    const parent = path.slice(0, -1).reduce((o, k) => o[k] as Record<string, unknown>, c);
    if (value === undefined) delete parent[path[path.length - 1]];
    else parent[path[path.length - 1]] = value;
    return () => loadCatalog(c, 'my-prices.json');
  };
  const entry = (region: string, type: string, field: string) => ['regions', region, type, field];
  it('accepts a good catalog as is', () => {
    expect(loadCatalog(small())).toEqual(small());
  });
  it('names the bad field by its path', () => {
    expect(bad(entry('us-east-1', 'c6i.xlarge', 'spot'), -1)).toThrow(/my-prices.json: invalid price catalog[\s\S]*regions\["us-east-1"\]\["c6i.xlarge"\]\.spot: must be a price > 0/);
    expect(bad(entry('eu-west-1', 'm6i.xlarge', 'onDemand'), undefined)).toThrow(/regions\["eu-west-1"\]\["m6i.xlarge"\]\.onDemand: is required \(a number\)/);
    expect(bad(['asOf'], '22/11/2026')).toThrow(/asOf: must be a date YYYY-MM-DD/);
    expect(bad(['asOf'], '2026-02-30')).toThrow(/asOf: is not a real calendar date/);
    expect(bad(entry('us-east-1', 'c6i.xlarge', 'spotInterruption'), 'low')).toThrow(/spotInterruption/);
    expect(bad(entry('us-east-1', 'c6i.xlarge', 'source'), '')).toThrow(/source: must name where the price comes from/);
    expect(bad(['version'], 2)).toThrow(/version/);
    expect(bad(entry('us-east-1', 'c6i.xlarge', 'extra'), 1)).toThrow(/regions\["us-east-1"\]\["c6i.xlarge"\]/);
  });
  it('rejects prices that cannot be right: spot or committed above On-Demand, an entry dated after the catalog', () => {
    expect(bad(entry('us-east-1', 'c6a.xlarge', 'spot'), 0.2)).toThrow(/c6a.xlarge"\]\.spot: spot 0.2 is above onDemand 0.153/);
    expect(bad(entry('us-east-1', 'c6i.xlarge', 'committed1yr'), 0.3)).toThrow(/committed1yr 0.3 is above onDemand/);
    expect(bad(entry('us-east-1', 'c6i.xlarge', 'asOf'), '2026-12-01')).toThrow(/2026-12-01 is after the catalog's asOf 2026-11-22/);
  });
});

describe('catalogAge', () => {
  it('counts whole days since asOf (UTC)', () => {
    const c = small();
    expect(catalogAge(c, Date.parse('2026-11-22T23:59:00Z'))).toBe(0);
    expect(catalogAge(c, new Date('2026-12-02T00:00:00Z'))).toBe(10);
    expect(catalogAge(c, Date.parse('2026-11-21T12:00:00Z'))).toBe(-1);
  });
});

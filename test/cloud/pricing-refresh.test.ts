import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { command as prices } from '../../cli/commands/prices';
import { awsPriceSources, refreshCatalog } from '../../cloud/aws/catalog-refresh';
import { AwsRefreshError, fetchOnDemandPrice, fetchOnDemandPrices, parsePriceListItem } from '../../cloud/aws/pricing-refresh';
import { loadCatalog, priceOf, type PriceCatalog } from '../../planning/price-catalog';
import { fromFile, startRecordedServer, TEST_CREDENTIALS, type ReceivedRequest, type RecordedServer } from '../helpers/aws-recorded-server';

const FIXTURES = join(__dirname, '..', 'fixtures', 'aws');
const PRICING = join(FIXTURES, 'pricing');
const EC2 = join(FIXTURES, 'ec2');
const NOW = new Date('2026-11-29T12:00:00Z');

interface GetProductsBody {
  Filters: { Field: string; Value: string }[];
  NextToken?: string;
}

/** GetProducts by the regionCode/instanceType filters; "denied"/"throttled" regions answer errors. */
function pricingRoute(req: ReceivedRequest) {
  const body = req.json as GetProductsBody;
  const filter = (f: string) => body.Filters.find((x) => x.Field === f)?.Value;
  const region = filter('regionCode');
  if (region === 'us-gov-east-1') return fromFile(join(PRICING, 'error-access-denied.json'), 400);
  if (region === 'me-south-1') return fromFile(join(PRICING, 'error-throttling.json'), 400);
  const file = join(PRICING, `${region}.${filter('instanceType')}${body.NextToken ? '.page-2' : ''}.json`);
  return fromFile(existsSync(file) ? file : join(PRICING, 'empty.json'));
}

function spotRoute(req: ReceivedRequest) {
  if (req.region === 'us-east-1') return fromFile(join(EC2, req.params.NextToken ? 'spot-history.us-east-1.page-2.xml' : 'spot-history.us-east-1.page-1.xml'));
  if (req.region === 'eu-west-1') return fromFile(join(EC2, 'spot-history.eu-west-1.xml'));
  return fromFile(join(EC2, 'error-unauthorized.xml'), 403);
}

/** The catalog being refreshed: old prices, one region (us-west-2) outside the refresh. */
const base = (): PriceCatalog =>
  loadCatalog({
    version: 1,
    currency: 'USD',
    asOf: '2026-11-22',
    sources: [{ id: 'old', description: 'the catalog before the refresh' }],
    regions: {
      'us-east-1': {
        'c6i.xlarge': { vcpu: 4, memoryGiB: 8, onDemand: 0.16, spot: 0.06, committed1yr: 0.1, spotInterruption: '<5%', source: 'old' },
        'm6i.xlarge': { vcpu: 4, memoryGiB: 16, onDemand: 0.18, spot: 0.07, source: 'old' },
        'g5.xlarge': { vcpu: 4, memoryGiB: 16, onDemand: 1.006, spot: 0.42, spotInterruption: '10-15%', source: 'old' },
        'r6i.xlarge': { vcpu: 4, memoryGiB: 32, onDemand: 0.252, spot: 0.088, source: 'old' },
      },
      'eu-west-1': {
        'c6i.xlarge': { vcpu: 4, memoryGiB: 8, onDemand: 0.19, spot: 0.075, source: 'old' },
        'm6i.xlarge': { vcpu: 4, memoryGiB: 16, onDemand: 0.21, spot: 0.08, source: 'old' },
      },
      'us-west-2': { 'c6i.xlarge': { vcpu: 4, memoryGiB: 8, onDemand: 0.17, spot: 0.068, source: 'old' } },
    },
  });

describe('parsePriceListItem', () => {
  const page = JSON.parse(readFileSync(join(PRICING, 'us-east-1.c6i.xlarge.json'), 'utf8')) as { PriceList: string[] };
  it('reads the On-Demand hourly price, vcpu, memory, and the 1-year standard no-upfront term', () => {
    expect(typeof page.PriceList[0]).toBe('string');
    expect(parsePriceListItem(page.PriceList[0])).toEqual({
      region: 'us-east-1',
      instanceType: 'c6i.xlarge',
      onDemand: 0.17,
      // Not the convertible 0.122, the all-upfront $0 line, or the 3-year 0.073.
      committed1yr: 0.107,
      vcpu: 4,
      memoryGiB: 8,
      sku: 'K5R8W2QZ3YVJX7UM',
      publicationDate: '2026-11-20T18:02:44Z',
    });
  });
  it('skips a product without an hourly USD price and rejects text that is not JSON', () => {
    expect(parsePriceListItem(JSON.stringify({ product: { attributes: { instanceType: 'x', regionCode: 'r' } }, terms: { OnDemand: {} } }))).toBeUndefined();
    expect(() => parsePriceListItem('{"product":')).toThrow(/PriceList item that is not JSON/);
  });
});

describe('refresh over HTTP (real Pricing and EC2 clients, recorded responses)', () => {
  let server: RecordedServer;
  const dir = mkdtempSync(join(tmpdir(), 'kinetic-prices-'));
  const pricingOpts = () => ({ endpoint: server.endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  beforeAll(async () => {
    server = await startRecordedServer({ 'AWSPriceListService.GetProducts': pricingRoute, DescribeSpotPriceHistory: spotRoute });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GetProducts: sends the Linux/shared/Used filters to the us-east-1 endpoint and follows NextToken', async () => {
    const before = server.requests.length;
    const price = await fetchOnDemandPrice('us-east-1', 'c6i.xlarge', pricingOpts());
    expect(price).toMatchObject({ onDemand: 0.17, committed1yr: 0.107 });
    const calls = server.requests.slice(before);
    expect(calls.map((c) => (c.json as GetProductsBody).NextToken)).toEqual([undefined, '7Fh2kQ0dXb1yMx2Wc3vN8Q==:Qm9vU3RyYXBQYWdlMg==']);
    expect(calls[0].region).toBe('us-east-1');
    expect(calls[0].json).toMatchObject({
      ServiceCode: 'AmazonEC2',
      Filters: expect.arrayContaining(
        [
          ['instanceType', 'c6i.xlarge'],
          ['regionCode', 'us-east-1'],
          ['operatingSystem', 'Linux'],
          ['tenancy', 'Shared'],
          ['preInstalledSw', 'NA'],
          ['capacitystatus', 'Used'],
        ].map(([Field, Value]) => ({ Type: 'TERM_MATCH', Field, Value })),
      ),
    });
  });

  it('GetProducts: a type the API has no product for is simply absent', async () => {
    const found = await fetchOnDemandPrices(['us-east-1', 'eu-west-1'], ['c6i.xlarge', 'g5.xlarge'], pricingOpts());
    expect(found.map((p) => [p.region, p.instanceType, p.onDemand, p.committed1yr])).toEqual([
      ['eu-west-1', 'c6i.xlarge', 0.192, undefined],
      ['us-east-1', 'c6i.xlarge', 0.17, 0.107],
    ]);
  });

  it('GetProducts errors say what failed and what to do', async () => {
    const denied = await fetchOnDemandPrice('us-gov-east-1', 'c6i.xlarge', pricingOpts()).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(AwsRefreshError);
    expect((denied as Error).message).toMatch(/AWS Pricing GetProducts \(c6i.xlarge in us-gov-east-1\) failed: AccessDeniedException: User: .* is not authorized.*grant pricing:GetProducts/);
    const before = server.requests.length;
    const throttled = await fetchOnDemandPrice('me-south-1', 'c6i.xlarge', { ...pricingOpts(), maxAttempts: 2 }).catch((e: unknown) => e);
    expect((throttled as Error).message).toMatch(/ThrottlingException: Rate exceeded \(throttled after 2 attempts\)/);
    expect(server.requests.length - before).toBe(2);
  });

  it('refreshCatalog: fresh values where the APIs have them, old ones kept and dated where not, nothing lost', async () => {
    const sources = awsPriceSources({ pricing: pricingOpts(), ec2: { endpoint: server.endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1 }, now: NOW });
    const { catalog, outcomes } = await refreshCatalog({
      base: base(),
      regions: ['us-east-1', 'eu-west-1'],
      instanceTypes: ['c6i.xlarge', 'm6i.xlarge', 'g5.xlarge', 'r6i.xlarge', 'c7g.xlarge'],
      now: NOW,
      sources,
    });
    const status = Object.fromEntries(outcomes.map((o) => [`${o.region} ${o.instanceType}`, o.status]));
    expect(status).toEqual({
      'us-east-1 c6i.xlarge': 'refreshed',
      'us-east-1 m6i.xlarge': 'refreshed',
      'us-east-1 g5.xlarge': 'partial', // spot history, no Pricing API product
      'us-east-1 r6i.xlarge': 'kept', // neither
      'us-east-1 c7g.xlarge': 'refreshed', // new: both sources have it
      'eu-west-1 c6i.xlarge': 'partial', // Pricing API, no spot history
      'eu-west-1 m6i.xlarge': 'refreshed',
      'eu-west-1 g5.xlarge': 'not-added',
      'eu-west-1 r6i.xlarge': 'not-added',
      'eu-west-1 c7g.xlarge': 'not-added',
    });

    expect(catalog.asOf).toBe('2026-11-29');
    const east = catalog.regions['us-east-1'];
    expect(east['c6i.xlarge']).toMatchObject({ onDemand: 0.17, spot: 0.0671, committed1yr: 0.107, spotInterruption: '<5%' });
    expect(east['c6i.xlarge'].asOf).toBeUndefined();
    expect(east['c6i.xlarge'].source).toMatch(/AWS Pricing API \(sku K5R8W2QZ3YVJX7UM\); spot = median of 5 price records in 3 zones over 7 days/);
    expect(east['c7g.xlarge']).toEqual({ vcpu: 4, memoryGiB: 8, onDemand: 0.145, spot: 0.06045, committed1yr: 0.0914, source: expect.stringContaining('AWS Pricing API') });
    // Partial: the fresh spot next to the kept On-Demand, dated by the older value.
    expect(east['g5.xlarge']).toMatchObject({ onDemand: 1.006, spot: 0.4399, asOf: '2026-11-22', source: expect.stringMatching(/on-demand kept from 2026-11-22 \(old\)/) });
    expect(east['r6i.xlarge']).toEqual({ ...base().regions['us-east-1']['r6i.xlarge'], asOf: '2026-11-22' });
    expect(catalog.regions['eu-west-1']['c6i.xlarge']).toMatchObject({ onDemand: 0.192, spot: 0.075, asOf: '2026-11-22', source: expect.stringMatching(/spot kept from 2026-11-22/) });
    expect(catalog.regions['eu-west-1']['m6i.xlarge']).toMatchObject({ onDemand: 0.214, spot: 0.0851, committed1yr: 0.1366 });
    // us-west-2 was not asked for: carried over, dated.
    expect(catalog.regions['us-west-2']['c6i.xlarge']).toEqual({ ...base().regions['us-west-2']['c6i.xlarge'], asOf: '2026-11-22' });
    expect(catalog.sources.map((s) => s.id)).toEqual(['old', 'aws-api-2026-11-29']);
    // The result is a valid catalog the planner can price from.
    expect(priceOf(loadCatalog(JSON.parse(JSON.stringify(catalog))), 'us-east-1', 'c6i.xlarge', 'spot')).toBe(0.0671);
  });

  it('kinetic prices refresh --out, then prices show --catalog --json', async () => {
    const basePath = join(dir, 'base.json');
    const outPath = join(dir, 'refreshed.json');
    writeFileSync(basePath, JSON.stringify(base()));
    vi.stubEnv('AWS_ACCESS_KEY_ID', TEST_CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', TEST_CREDENTIALS.secretAccessKey);
    vi.stubEnv('AWS_MAX_ATTEMPTS', '1');
    const stderr: string[] = [];
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      stderr.push(String(s));
      return true;
    });
    try {
      const code = await prices.run(['refresh', '--catalog', basePath, '--regions', 'eu-west-1', '--out', outPath, '--endpoint-pricing', server.endpoint, '--endpoint-ec2', server.endpoint]);
      expect(code).toBe(0);
    } finally {
      err.mockRestore();
      vi.unstubAllEnvs();
    }
    expect(stderr.join('')).toMatch(/refreshed 1, partly refreshed 1, kept 0, not added 0[\s\S]*eu-west-1 c6i.xlarge: partial/);
    const written = loadCatalog(JSON.parse(readFileSync(outPath, 'utf8')));
    expect(written.regions['eu-west-1']['m6i.xlarge'].spot).toBe(0.0851);
    expect(written.regions['us-east-1']['c6i.xlarge'].onDemand).toBe(0.16); // not asked for: unchanged

    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    try {
      expect(await prices.run(['show', '--catalog', outPath, '--region', 'eu-west-1', '--type', 'm6i.xlarge', '--json'])).toBe(0);
    } finally {
      log.mockRestore();
    }
    const shown = JSON.parse(lines.join('\n'));
    expect(shown).toMatchObject({ asOf: written.asOf, currency: 'USD', prices: [{ region: 'eu-west-1', instanceType: 'm6i.xlarge', onDemand: 0.214, spot: 0.0851 }] });
  });

  it('kinetic prices show: an unknown region is a usage error listing the regions', async () => {
    await expect(prices.run(['show', '--region', 'mars-north-1'])).rejects.toThrow(/no prices for region "mars-north-1".*it has ap-southeast-1, eu-west-1, us-east-1, us-west-2/);
    await expect(prices.run(['list'])).rejects.toThrow(/unknown sub-command "list"/);
  });
});

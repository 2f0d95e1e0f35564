import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsRefreshError } from '../../cloud/aws/pricing-refresh';
import { fetchSpotHistory, fetchTypicalSpotPrices, median, typicalSpotPrices } from '../../cloud/aws/spot-history';
import { fromFile, startRecordedServer, TEST_CREDENTIALS, type ReceivedRequest, type RecordedServer } from '../helpers/aws-recorded-server';

const EC2 = join(__dirname, '..', 'fixtures', 'aws', 'ec2');
const NOW = new Date('2026-11-29T12:00:00Z');

/** Spot history by signing region, page 2 when the request carries a NextToken. */
function spotRoute(req: ReceivedRequest) {
  if (req.region === 'us-east-1') return fromFile(join(EC2, req.params.NextToken ? 'spot-history.us-east-1.page-2.xml' : 'spot-history.us-east-1.page-1.xml'));
  if (req.region === 'eu-west-1') return fromFile(join(EC2, 'spot-history.eu-west-1.xml'));
  if (req.region === 'ap-south-1') return fromFile(join(EC2, 'error-unauthorized.xml'), 403);
  return fromFile(join(EC2, 'error-request-limit.xml'), 503);
}

describe('median', () => {
  it('is the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([0.07])).toBe(0.07);
    expect(() => median([])).toThrow(/no values/);
  });
  it('ignores a single spike, unlike the mean', () => {
    const samples = [0.06, 0.061, 0.062, 0.4].map((price, i) => ({ instanceType: 't', availabilityZone: `z${i}`, price, timestamp: NOW }));
    const [typical] = typicalSpotPrices('r', samples, { start: NOW, end: NOW });
    expect(typical.spot).toBeCloseTo(0.0615, 6);
    expect(typical).toMatchObject({ samples: 4, zones: 4 });
  });
});

describe('DescribeSpotPriceHistory over HTTP (real EC2 client, recorded responses)', () => {
  let server: RecordedServer;
  const opts = () => ({ endpoint: server.endpoint, credentials: TEST_CREDENTIALS, now: NOW, maxAttempts: 1 });
  beforeAll(async () => {
    server = await startRecordedServer({ DescribeSpotPriceHistory: spotRoute });
  });
  afterAll(() => server.close());

  it('asks for Linux/UNIX prices of the types over the last 7 days and follows nextToken', async () => {
    const before = server.requests.length;
    const samples = await fetchSpotHistory('us-east-1', ['c6i.xlarge', 'm6i.xlarge', 'g5.xlarge', 'c7g.xlarge'], opts());
    const calls = server.requests.slice(before);
    expect(calls).toHaveLength(2);
    expect(calls[0].params).toMatchObject({
      Action: 'DescribeSpotPriceHistory',
      'InstanceType.1': 'c6i.xlarge',
      'InstanceType.4': 'c7g.xlarge',
      'ProductDescription.1': 'Linux/UNIX',
      StartTime: '2026-11-22T12:00:00Z',
      EndTime: '2026-11-29T12:00:00Z',
    });
    expect(calls[0].params.NextToken).toBeUndefined();
    expect(calls[1].params.NextToken).toBe('eyJ2IjoyLCJjIjoiU3BvdFByaWNlSGlzdG9yeVBhZ2UyIn0=');
    // 6 records on page 1 + 8 on page 2.
    expect(samples).toHaveLength(14);
    expect(samples[0]).toEqual({ instanceType: 'c6i.xlarge', availabilityZone: 'us-east-1a', price: 0.0652, timestamp: new Date('2026-11-22T09:14:31.000Z') });
  });

  it('gives the median per type across zones and pages', async () => {
    const typical = await fetchTypicalSpotPrices('us-east-1', ['c6i.xlarge', 'm6i.xlarge', 'g5.xlarge', 'c7g.xlarge'], opts());
    const by = Object.fromEntries(typical.map((t) => [t.instanceType, t]));
    // c6i: 0.0630 0.0652 [0.0671] 0.0688 (page 1) + 0.0703 (page 2)
    expect(by['c6i.xlarge']).toMatchObject({ region: 'us-east-1', spot: 0.0671, samples: 5, zones: 3, from: '2026-11-22T12:00:00.000Z', to: '2026-11-29T12:00:00.000Z' });
    // m6i: 0.0755 [0.0769] 0.0781, the middle one on page 2
    expect(by['m6i.xlarge'].spot).toBe(0.0769);
    // g5: an even count, the mean of 0.4388 and 0.4410
    expect(by['g5.xlarge'].spot).toBeCloseTo(0.4399, 6);
    expect(by['c7g.xlarge'].spot).toBeCloseTo(0.06045, 6);
  });

  it('uses the region of the client: a type without records in that region is absent', async () => {
    const typical = await fetchTypicalSpotPrices('eu-west-1', ['c6i.xlarge', 'm6i.xlarge'], opts());
    expect(typical.map((t) => [t.instanceType, t.spot])).toEqual([['m6i.xlarge', 0.0851]]);
    expect(server.requests.at(-1)?.region).toBe('eu-west-1');
  });

  it('turns an access error into a message naming the permission', async () => {
    const err = await fetchSpotHistory('ap-south-1', ['c6i.xlarge'], opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsRefreshError);
    expect((err as Error).message).toMatch(/EC2 DescribeSpotPriceHistory \(ap-south-1\) failed: UnauthorizedOperation: You are not authorized.*grant ec2:DescribeSpotPriceHistory/);
  });

  it('reports throttling with the attempts made', async () => {
    const before = server.requests.length;
    const err = await fetchSpotHistory('sa-east-1', ['c6i.xlarge'], { ...opts(), maxAttempts: 2 }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/RequestLimitExceeded: Request limit exceeded\. \(throttled after 2 attempts\)\. Wait a minute and retry/);
    // The SDK retried once before giving up.
    expect(server.requests.length - before).toBe(2);
  });
});

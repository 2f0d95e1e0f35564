import { DescribeSpotPriceHistoryCommand, EC2Client, type _InstanceType } from '@aws-sdk/client-ec2';
import { explainAwsError, type AwsClientOptions } from './pricing-refresh';

/**
 * Typical spot prices from EC2 DescribeSpotPriceHistory: the median of every Linux/UNIX price
 * record over the window (default 7 days), across the region's Availability Zones, per instance
 * type. A median, not the latest price, because spot prices spike briefly in one zone; a budget
 * wants the price the pool usually pays.
 */

export const DEFAULT_WINDOW_DAYS = 7;

export interface SpotHistoryOptions extends AwsClientOptions {
  /** An injected client for this region; endpoint/credentials are then ignored. */
  client?: EC2Client;
  /** End of the window (default: now). */
  now?: Date;
  windowDays?: number;
}

export interface SpotSample {
  instanceType: string;
  availabilityZone: string;
  price: number;
  timestamp: Date;
}

export interface TypicalSpotPrice {
  region: string;
  instanceType: string;
  /** Median USD per hour over the window. */
  spot: number;
  samples: number;
  zones: number;
  /** The window asked for, ISO dates. */
  from: string;
  to: string;
}

export function ec2Client(region: string, opts: SpotHistoryOptions = {}): EC2Client {
  return opts.client ?? new EC2Client({ region, endpoint: opts.endpoint, credentials: opts.credentials, maxAttempts: opts.maxAttempts });
}

/** Every Linux/UNIX spot price record for the types in the region over the window, following NextToken. */
export async function fetchSpotHistory(region: string, instanceTypes: string[], opts: SpotHistoryOptions = {}): Promise<SpotSample[]> {
  const client = ec2Client(region, opts);
  const { start, end } = spotWindow(opts);
  const samples: SpotSample[] = [];
  let NextToken: string | undefined;
  do {
    let page;
    try {
      page = await client.send(
        new DescribeSpotPriceHistoryCommand({ InstanceTypes: instanceTypes as _InstanceType[], ProductDescriptions: ['Linux/UNIX'], StartTime: start, EndTime: end, MaxResults: 1000, NextToken }),
      );
    } catch (err) {
      throw explainAwsError(err, `EC2 DescribeSpotPriceHistory (${region})`, 'ec2:DescribeSpotPriceHistory');
    }
    for (const rec of page.SpotPriceHistory ?? []) {
      const price = Number(rec.SpotPrice);
      // The filter already asks for Linux/UNIX; a record without a usable price is skipped, not zero.
      if (!rec.InstanceType || !Number.isFinite(price) || price <= 0) continue;
      if (rec.ProductDescription && rec.ProductDescription !== 'Linux/UNIX') continue;
      samples.push({ instanceType: rec.InstanceType, availabilityZone: rec.AvailabilityZone ?? '', price, timestamp: rec.Timestamp ?? end });
    }
    NextToken = page.NextToken || undefined;
  } while (NextToken);
  return samples;
}

export function spotWindow(opts: { now?: Date; windowDays?: number } = {}): { start: Date; end: Date } {
  const end = opts.now ?? new Date();
  const days = opts.windowDays ?? DEFAULT_WINDOW_DAYS;
  if (!(days > 0)) throw new RangeError(`windowDays must be > 0, got ${days}`);
  return { start: new Date(end.getTime() - days * 86_400_000), end };
}

export function median(values: number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Median price per instance type; types without samples are absent. */
export function typicalSpotPrices(region: string, samples: SpotSample[], window: { start: Date; end: Date }): TypicalSpotPrice[] {
  const byType = new Map<string, SpotSample[]>();
  for (const s of samples) byType.set(s.instanceType, [...(byType.get(s.instanceType) ?? []), s]);
  return [...byType.entries()]
    .map(([instanceType, list]) => ({
      region,
      instanceType,
      spot: Math.round(median(list.map((s) => s.price)) * 1e6) / 1e6,
      samples: list.length,
      zones: new Set(list.map((s) => s.availabilityZone)).size,
      from: window.start.toISOString(),
      to: window.end.toISOString(),
    }))
    .sort((a, b) => a.instanceType.localeCompare(b.instanceType));
}

/** Typical (median) spot price per type in the region over the window. */
export async function fetchTypicalSpotPrices(region: string, instanceTypes: string[], opts: SpotHistoryOptions = {}): Promise<TypicalSpotPrice[]> {
  const window = spotWindow(opts);
  const samples = await fetchSpotHistory(region, instanceTypes, { ...opts, now: window.end });
  return typicalSpotPrices(region, samples, window);
}

import { GetProductsCommand, PricingClient, type Filter } from '@aws-sdk/client-pricing';

/**
 * On-Demand (and 1-year committed) EC2 prices from the AWS Pricing API (GetProducts).
 *
 * One query per region and instance type, filtered to Linux, shared tenancy, no pre-installed
 * software, capacity status Used: that is the plain On-Demand instance-hour. Each PriceList item
 * is a JSON *string* (a product with its attributes and its OnDemand/Reserved terms); it is
 * parsed here. The API is served from us-east-1 whatever region the prices are for.
 */

/** The Pricing API endpoint region (it also exists in ap-south-1 and eu-central-1; us-east-1 is the default). */
export const PRICING_API_REGION = 'us-east-1';

/** Static credentials (tests, or keys passed explicitly); without them the SDK's default chain is used. */
export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsClientOptions {
  /** Override the service endpoint (tests, VPC endpoints); credentials then default to the normal chain. */
  endpoint?: string;
  credentials?: StaticCredentials;
  /** SDK attempts per call, retries included (default: the SDK's 3). */
  maxAttempts?: number;
}

export interface PricingOptions extends AwsClientOptions {
  /** An injected client; endpoint/credentials are then ignored. */
  client?: PricingClient;
  /** Parallel GetProducts calls (default 4): the Pricing API throttles bursts. */
  concurrency?: number;
}

export interface OnDemandPrice {
  region: string;
  instanceType: string;
  /** USD per hour, On-Demand, Linux, shared tenancy. */
  onDemand: number;
  /** USD per hour, 1-year Standard Reserved Instance with no upfront payment, if listed. */
  committed1yr?: number;
  vcpu?: number;
  memoryGiB?: number;
  sku: string;
  /** The price list's publication date, e.g. "2026-11-20T18:02:44Z". */
  publicationDate?: string;
}

/** An AWS call that failed; the message names the call, the AWS error and what to do about it. */
export class AwsRefreshError extends Error {
  constructor(
    message: string,
    readonly awsCode?: string,
  ) {
    super(message);
    this.name = 'AwsRefreshError';
  }
}

const ACCESS = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation', 'AuthFailure', 'UnrecognizedClientException', 'InvalidClientTokenId', 'ExpiredToken', 'ExpiredTokenException', 'InvalidSignatureException', 'SignatureDoesNotMatch']);
const THROTTLE = new Set(['ThrottlingException', 'Throttling', 'RequestLimitExceeded', 'TooManyRequestsException']);

/** Turns an SDK error into an AwsRefreshError that says what to do. */
export function explainAwsError(err: unknown, call: string, permission: string): AwsRefreshError {
  const e = err as { name?: string; message?: string; $metadata?: { attempts?: number; httpStatusCode?: number } };
  const code = e.name ?? 'Error';
  const detail = `${call} failed: ${code}: ${e.message ?? String(err)}`;
  if (ACCESS.has(code)) return new AwsRefreshError(`${detail}. The credentials in use are not allowed to call it: grant ${permission} (or pick other credentials with AWS_PROFILE).`, code);
  if (THROTTLE.has(code)) {
    const attempts = e.$metadata?.attempts ?? 1;
    return new AwsRefreshError(`${detail} (throttled after ${attempts} attempt${attempts === 1 ? '' : 's'}). Wait a minute and retry, or refresh fewer --regions/--types at once.`, code);
  }
  if (code === 'CredentialsProviderError') return new AwsRefreshError(`${detail}. No AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.`, code);
  return new AwsRefreshError(`${detail}.`, code);
}

export function pricingClient(opts: PricingOptions = {}): PricingClient {
  return (
    opts.client ??
    new PricingClient({ region: PRICING_API_REGION, endpoint: opts.endpoint, credentials: opts.credentials, maxAttempts: opts.maxAttempts })
  );
}

/** The GetProducts filters for one instance type's plain Linux On-Demand price in one region. */
export function onDemandFilters(region: string, instanceType: string): Filter[] {
  const term = (Field: string, Value: string): Filter => ({ Type: 'TERM_MATCH', Field, Value });
  return [
    term('instanceType', instanceType),
    term('regionCode', region),
    term('operatingSystem', 'Linux'),
    term('tenancy', 'Shared'),
    term('preInstalledSw', 'NA'),
    term('capacitystatus', 'Used'),
  ];
}

/** All PriceList items (JSON strings) for one region and type, following NextToken. */
export async function getProductPages(client: PricingClient, region: string, instanceType: string): Promise<string[]> {
  const items: string[] = [];
  let NextToken: string | undefined;
  do {
    let page;
    try {
      page = await client.send(new GetProductsCommand({ ServiceCode: 'AmazonEC2', Filters: onDemandFilters(region, instanceType), FormatVersion: 'aws_v1', NextToken }));
    } catch (err) {
      throw explainAwsError(err, `AWS Pricing GetProducts (${instanceType} in ${region})`, 'pricing:GetProducts');
    }
    // The SDK hands PriceList items over as String objects (a "JSON string" member): keep the text.
    for (const item of page.PriceList ?? []) items.push(String(item));
    NextToken = page.NextToken || undefined;
  } while (NextToken);
  return items;
}

interface PriceDimension {
  unit?: string;
  pricePerUnit?: { USD?: string };
}
interface OfferTerm {
  priceDimensions?: Record<string, PriceDimension>;
  termAttributes?: Record<string, string>;
}
interface PriceListItem {
  product?: { sku?: string; attributes?: Record<string, string> };
  terms?: { OnDemand?: Record<string, OfferTerm>; Reserved?: Record<string, OfferTerm> };
  publicationDate?: string;
}

/** Parses one PriceList JSON string; undefined when it has no usable hourly On-Demand USD price. */
export function parsePriceListItem(text: string): OnDemandPrice | undefined {
  let item: PriceListItem;
  try {
    item = JSON.parse(text) as PriceListItem;
  } catch (e) {
    throw new AwsRefreshError(`AWS Pricing GetProducts returned a PriceList item that is not JSON (${(e as Error).message}): ${text.slice(0, 80)}…`);
  }
  const attrs = item.product?.attributes ?? {};
  const onDemand = hourlyUsd(Object.values(item.terms?.OnDemand ?? {}));
  if (onDemand === undefined || !attrs.instanceType || !attrs.regionCode) return undefined;
  const reserved = Object.values(item.terms?.Reserved ?? {}).filter((t) => {
    const a = t.termAttributes ?? {};
    return a.LeaseContractLength === '1yr' && a.OfferingClass === 'standard' && a.PurchaseOption === 'No Upfront';
  });
  const vcpu = Number(attrs.vcpu);
  const memoryGiB = Number.parseFloat((attrs.memory ?? '').replace(/,/g, ''));
  return {
    region: attrs.regionCode,
    instanceType: attrs.instanceType,
    onDemand,
    committed1yr: hourlyUsd(reserved),
    vcpu: Number.isFinite(vcpu) && vcpu > 0 ? vcpu : undefined,
    memoryGiB: Number.isFinite(memoryGiB) && memoryGiB > 0 ? memoryGiB : undefined,
    sku: item.product?.sku ?? '',
    publicationDate: item.publicationDate,
  };
}

/** The hourly ("Hrs") USD price of a set of offer terms; a $0 line (e.g. an upfront fee row) is not a price. */
function hourlyUsd(terms: OfferTerm[]): number | undefined {
  for (const term of terms) {
    for (const dim of Object.values(term.priceDimensions ?? {})) {
      const usd = Number(dim.pricePerUnit?.USD);
      if (dim.unit === 'Hrs' && Number.isFinite(usd) && usd > 0) return usd;
    }
  }
  return undefined;
}

/**
 * The On-Demand price of one instance type in one region, or undefined if the Pricing API lists
 * none. Several matching products (rare with these filters) resolve to the dearest: conservative.
 */
export async function fetchOnDemandPrice(region: string, instanceType: string, opts: PricingOptions = {}): Promise<OnDemandPrice | undefined> {
  const items = await getProductPages(pricingClient(opts), region, instanceType);
  const prices = items.map(parsePriceListItem).filter((p): p is OnDemandPrice => p !== undefined && p.instanceType === instanceType && p.region === region);
  return prices.sort((a, b) => b.onDemand - a.onDemand)[0];
}

/** On-Demand prices for every region × type pair, `concurrency` calls at a time; pairs without a price are absent. */
export async function fetchOnDemandPrices(regions: string[], instanceTypes: string[], opts: PricingOptions = {}): Promise<OnDemandPrice[]> {
  const client = pricingClient(opts);
  const pairs = regions.flatMap((region) => instanceTypes.map((type) => [region, type] as const));
  const found: OnDemandPrice[] = [];
  let next = 0;
  const worker = async () => {
    while (next < pairs.length) {
      const [region, type] = pairs[next++];
      const price = await fetchOnDemandPrice(region, type, { client });
      if (price) found.push(price);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 4, pairs.length)) }, worker));
  // Stable order whatever the completion order.
  return found.sort((a, b) => a.region.localeCompare(b.region) || a.instanceType.localeCompare(b.instanceType));
}

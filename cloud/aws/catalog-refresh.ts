import { loadCatalog, type InstancePrice, type PriceCatalog } from '../../planning/price-catalog';
import { fetchOnDemandPrices, type AwsClientOptions, type OnDemandPrice, type PricingOptions } from './pricing-refresh';
import { DEFAULT_WINDOW_DAYS, fetchTypicalSpotPrices, type SpotHistoryOptions, type TypicalSpotPrice } from './spot-history';

/**
 * Builds a new dated price catalog from an old one and what the AWS APIs return today.
 *
 * It never loses an entry: a value the APIs did not return is kept from the old catalog, and the
 * entry then carries the date of its oldest value (`asOf`) and a `source` saying which part is
 * kept and why. Entries outside the requested regions/types are carried over unchanged.
 */

/** Where fresh prices come from; the AWS implementation is awsPriceSources, tests may pass their own. */
export interface PriceSources {
  onDemand(regions: string[], instanceTypes: string[]): Promise<OnDemandPrice[]>;
  spot(region: string, instanceTypes: string[]): Promise<TypicalSpotPrice[]>;
}

export interface AwsSourcesOptions {
  pricing?: PricingOptions;
  /** EC2 options for every region (an endpoint override applies to all of them). */
  ec2?: AwsClientOptions & { windowDays?: number; client?: SpotHistoryOptions['client'] };
  /** End of the spot window (default: now). */
  now?: Date;
}

export function awsPriceSources(opts: AwsSourcesOptions = {}): PriceSources {
  return {
    onDemand: (regions, types) => fetchOnDemandPrices(regions, types, opts.pricing),
    spot: (region, types) => fetchTypicalSpotPrices(region, types, { ...opts.ec2, now: opts.now }),
  };
}

export interface RefreshRequest {
  base: PriceCatalog;
  /** Default: every region of the base catalog. */
  regions?: string[];
  /** Default: the types the base catalog has in each region. */
  instanceTypes?: string[];
  /** The new catalog's date (default: now). */
  now?: Date;
  sources: PriceSources;
  /** Spot window, for the source note (default 7 days). */
  windowDays?: number;
}

export type RefreshStatus = 'refreshed' | 'partial' | 'kept' | 'not-added';

export interface RefreshOutcome {
  region: string;
  instanceType: string;
  status: RefreshStatus;
  detail: string;
}

export interface RefreshResult {
  catalog: PriceCatalog;
  outcomes: RefreshOutcome[];
}

export async function refreshCatalog(req: RefreshRequest): Promise<RefreshResult> {
  const targets = refreshTargets(req.base, req.regions, req.instanceTypes);
  const regions = [...targets.keys()];
  const allTypes = [...new Set([...targets.values()].flat())].sort();
  const onDemand = regions.length && allTypes.length ? await req.sources.onDemand(regions, allTypes) : [];
  const spot: TypicalSpotPrice[] = [];
  for (const [region, types] of targets) if (types.length) spot.push(...(await req.sources.spot(region, types)));
  return mergePrices(req.base, targets, onDemand, spot, isoDate(req.now ?? new Date()), req.windowDays ?? DEFAULT_WINDOW_DAYS);
}

/** Region → instance types to refresh. */
export function refreshTargets(base: PriceCatalog, regions?: string[], instanceTypes?: string[]): Map<string, string[]> {
  const targets = new Map<string, string[]>();
  for (const region of regions ?? Object.keys(base.regions)) {
    targets.set(region, [...(instanceTypes ?? Object.keys(base.regions[region] ?? {}))].sort());
  }
  return targets;
}

/** Pure merge of fetched prices into the base catalog (see the file header for the rules). */
export function mergePrices(
  base: PriceCatalog,
  targets: Map<string, string[]>,
  onDemand: OnDemandPrice[],
  spot: TypicalSpotPrice[],
  date: string,
  windowDays = DEFAULT_WINDOW_DAYS,
): RefreshResult {
  const key = (region: string, type: string) => `${region}/${type}`;
  const odBy = new Map(onDemand.map((p) => [key(p.region, p.instanceType), p]));
  const spotBy = new Map(spot.map((p) => [key(p.region, p.instanceType), p]));
  const regions: PriceCatalog['regions'] = {};
  const outcomes: RefreshOutcome[] = [];

  // Carry everything over first, dated, so nothing outside the targets is lost.
  for (const [region, types] of Object.entries(base.regions)) {
    regions[region] = {};
    for (const [type, entry] of Object.entries(types)) regions[region][type] = dated(entry, entry.asOf ?? base.asOf, date);
  }

  for (const [region, types] of targets) {
    for (const type of types) {
      const od = odBy.get(key(region, type));
      const sp = spotBy.get(key(region, type));
      const old = base.regions[region]?.[type];
      const built = buildEntry(old, old?.asOf ?? base.asOf, od, sp, date, windowDays);
      outcomes.push({ region, instanceType: type, status: built.status, detail: built.detail });
      if (built.entry) (regions[region] ??= {})[type] = built.entry;
    }
  }

  const refreshedAny = outcomes.some((o) => o.status === 'refreshed' || o.status === 'partial');
  const sources = [...base.sources];
  const id = `aws-api-${date}`;
  if (refreshedAny && !sources.some((s) => s.id === id)) {
    sources.push({
      id,
      description:
        `Refreshed ${date} by \`kinetic prices refresh\`. onDemand: AWS Pricing API GetProducts (AmazonEC2; Linux, shared tenancy, preInstalledSw NA, capacitystatus Used). ` +
        `committed1yr: the same product's 1-year Standard Reserved Instance, no upfront. spot: median of EC2 DescribeSpotPriceHistory Linux/UNIX records over ${windowDays} days, all zones.`,
    });
  }
  const catalog = loadCatalog({ version: 1, currency: 'USD', asOf: date, sources, regions: sortRegions(regions) }, `refreshed catalog of ${date}`);
  return { catalog, outcomes };
}

interface Built {
  entry?: InstancePrice;
  status: RefreshStatus;
  detail: string;
}

function buildEntry(old: InstancePrice | undefined, oldDate: string, od: OnDemandPrice | undefined, sp: TypicalSpotPrice | undefined, date: string, windowDays: number): Built {
  const odNote = od ? `on-demand from the AWS Pricing API (sku ${od.sku || '?'})` : undefined;
  const spotNote = sp ? `spot = median of ${sp.samples} price records in ${sp.zones} zone${sp.zones === 1 ? '' : 's'} over ${windowDays} days` : undefined;
  const missing = [od ? undefined : 'no Pricing API product', sp ? undefined : 'no spot price history'].filter(Boolean).join(', ');

  if (!old) {
    if (!od || !sp || od.vcpu === undefined || od.memoryGiB === undefined) {
      return { status: 'not-added', detail: `not in the old catalog and not added: ${missing || 'the Pricing API product lists no vcpu/memory'}` };
    }
    const entry: InstancePrice = { vcpu: od.vcpu, memoryGiB: od.memoryGiB, onDemand: od.onDemand, spot: Math.min(sp.spot, od.onDemand), source: `${odNote}; ${spotNote}` };
    if (od.committed1yr !== undefined && od.committed1yr <= od.onDemand) entry.committed1yr = od.committed1yr;
    return { entry, status: 'refreshed', detail: `added: ${entry.source}` };
  }
  if (!od && !sp) {
    return { entry: dated(old, oldDate, date), status: 'kept', detail: `kept the ${oldDate} values (${missing})` };
  }

  const onDemand = od?.onDemand ?? old.onDemand;
  // AWS caps spot at On-Demand; a kept On-Demand next to a fresh spot can cross over, so cap it too.
  const spot = Math.min(sp?.spot ?? old.spot, onDemand);
  const committed = od?.committed1yr ?? old.committed1yr;
  const entry: InstancePrice = {
    vcpu: od?.vcpu ?? old.vcpu,
    memoryGiB: od?.memoryGiB ?? old.memoryGiB,
    onDemand,
    spot,
    ...(committed !== undefined && committed <= onDemand ? { committed1yr: committed } : {}),
    ...(old.spotInterruption ? { spotInterruption: old.spotInterruption } : {}),
    source: '',
  };
  const keptParts = [od ? undefined : 'on-demand', sp ? undefined : 'spot', od && od.committed1yr === undefined && old.committed1yr !== undefined ? 'committed1yr' : undefined].filter(Boolean);
  const fresh = [odNote, spotNote].filter(Boolean).join('; ');
  if (keptParts.length === 0) {
    entry.source = fresh;
    return { entry, status: 'refreshed', detail: fresh };
  }
  entry.source = `${fresh}; ${keptParts.join(' and ')} kept from ${oldDate} (${old.source})`;
  entry.asOf = oldDate;
  return { entry, status: 'partial', detail: `${fresh}; kept ${keptParts.join(' and ')} from ${oldDate} (${missing || 'no 1-year reserved term listed'})` };
}

/** An entry carried into a catalog dated `date`: it keeps its own date when older. */
function dated(entry: InstancePrice, entryDate: string, date: string): InstancePrice {
  return entryDate < date ? { ...entry, asOf: entryDate } : { ...entry };
}

function sortRegions(regions: PriceCatalog['regions']): PriceCatalog['regions'] {
  return Object.fromEntries(
    Object.keys(regions)
      .sort()
      .map((r) => [r, Object.fromEntries(Object.keys(regions[r]).sort().map((t) => [t, regions[r][t]]))]),
  );
}

export function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

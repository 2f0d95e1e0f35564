import { z } from 'zod';
import bundledJson from './data/aws-price-catalog.json';

/**
 * The dated EC2 price catalog the planner looks pool prices up in (USD per instance-hour).
 *
 * Shape (planning/data/aws-price-catalog.json is the bundled one):
 *
 *   {
 *     version: 1, currency: "USD", asOf: "YYYY-MM-DD",
 *     sources: [{ id, description, url? }],          // where the values come from
 *     regions: {
 *       "us-east-1": {
 *         "c6i.xlarge": {
 *           vcpu: 4, memoryGiB: 8,
 *           onDemand: 0.17,                            // On-Demand, Linux, shared tenancy
 *           spot: 0.068,                               // typical spot price (a median, not a quote)
 *           committed1yr?: 0.107,                      // 1-year commitment, effective hourly
 *           spotInterruption?: "<5%" | "5-10%" | "10-15%" | "15-20%" | ">20%",
 *           source: "…",                               // a sources[].id or a note on how it was refreshed
 *           asOf?: "YYYY-MM-DD"                        // only when older than the catalog's asOf
 *         }
 *       }
 *     }
 *   }
 *
 * Pure: no I/O. The bundled file is imported as JSON; other files are read by the caller and
 * passed to loadCatalog. Refreshing through the AWS APIs lives in cloud/aws/catalog-refresh.ts.
 */

export type Pricing = 'on-demand' | 'spot' | 'committed';

export const SPOT_INTERRUPTION_BUCKETS = ['<5%', '5-10%', '10-15%', '15-20%', '>20%'] as const;
export type SpotInterruption = (typeof SPOT_INTERRUPTION_BUCKETS)[number];

/** Upper end of each Spot Instance Advisor bucket: the share of instances interrupted in a month. */
const BUCKET_MONTHLY: Record<SpotInterruption, number> = { '<5%': 0.05, '5-10%': 0.1, '10-15%': 0.15, '15-20%': 0.2, '>20%': 0.3 };
const HOURS_PER_MONTH = 730.5;

/**
 * Chance per hour that a spot instance of these types is interrupted: the worst type's Spot Advisor
 * bucket (a monthly frequency, upper end) spread over the month; undefined if no type has a bucket.
 */
export function spotInterruptionPerHour(catalog: PriceCatalog, region: string, instanceTypes: string[]): number | undefined {
  const monthly = instanceTypes
    .map((t) => catalog.regions[region]?.[t]?.spotInterruption)
    .filter((b): b is SpotInterruption => b !== undefined)
    .map((b) => BUCKET_MONTHLY[b]);
  return monthly.length ? Math.max(...monthly) / HOURS_PER_MONTH : undefined;
}

/**
 * Discount off On-Demand used for `committed` when an entry has no committed1yr price. A 1-year
 * no-upfront commitment typically saves 30–40% on these families; the low end keeps committed
 * costs on the high side, which is the safe direction for budget checks.
 */
export const DEFAULT_COMMITTED_DISCOUNT = 0.3;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const dateString = z
  .string()
  .regex(DATE, 'must be a date YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'is not a real calendar date');
const price = z.number().positive('must be a price > 0 (USD per hour)').finite();

const instancePriceSchema = z
  .object({
    vcpu: z.number().int().positive(),
    memoryGiB: z.number().positive(),
    onDemand: price,
    spot: price,
    committed1yr: price.optional(),
    spotInterruption: z.enum(SPOT_INTERRUPTION_BUCKETS).optional(),
    source: z.string().min(1, 'must name where the price comes from'),
    asOf: dateString.optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    // AWS caps spot at the On-Demand price; a higher value is a unit or column mix-up.
    if (e.spot > e.onDemand) ctx.addIssue({ code: 'custom', path: ['spot'], message: `spot ${e.spot} is above onDemand ${e.onDemand}; spot is capped at the On-Demand price` });
    if (e.committed1yr !== undefined && e.committed1yr > e.onDemand) {
      ctx.addIssue({ code: 'custom', path: ['committed1yr'], message: `committed1yr ${e.committed1yr} is above onDemand ${e.onDemand}; a commitment is never dearer` });
    }
  });

const catalogSchema = z
  .object({
    version: z.literal(1),
    currency: z.literal('USD'),
    asOf: dateString,
    sources: z.array(z.object({ id: z.string().min(1), description: z.string().min(1), url: z.string().optional() }).strict()).min(1),
    regions: z.record(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'region keys look like "us-east-1"'), z.record(z.string().min(1), instancePriceSchema)),
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const [region, types] of Object.entries(c.regions)) {
      for (const [type, entry] of Object.entries(types)) {
        if (entry.asOf && entry.asOf > c.asOf) ctx.addIssue({ code: 'custom', path: ['regions', region, type, 'asOf'], message: `${entry.asOf} is after the catalog's asOf ${c.asOf}` });
      }
    }
  });

export type InstancePrice = z.infer<typeof instancePriceSchema>;
export type PriceCatalog = z.infer<typeof catalogSchema>;

/** A catalog that cannot be used, or a lookup it cannot answer; the message says what to fix. */
export class PriceCatalogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PriceCatalogError';
  }
}

/** Validates a parsed catalog; every bad field is named by its path, e.g. regions["us-east-1"]["c6i.xlarge"].spot. */
export function loadCatalog(json: unknown, origin = 'price catalog'): PriceCatalog {
  const parsed = catalogSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => `  - ${formatPath(issue.path)}: ${issue.message.replace(/^Invalid input: expected (\w+), received undefined$/, 'is required (a $1)')}`);
  throw new PriceCatalogError(`${origin}: invalid price catalog\n${lines.join('\n')}\nThe shape is documented at the top of planning/price-catalog.ts.`);
}

function formatPath(path: PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_]\w*$/.test(String(p)) ? `${i ? '.' : ''}${String(p)}` : `["${String(p)}"]`)).join('');
}

let bundled: PriceCatalog | undefined;

/** The catalog shipped with the package (planning/data/aws-price-catalog.json); frozen, as every caller shares it. */
export function bundledCatalog(): PriceCatalog {
  bundled ??= deepFreeze(loadCatalog(bundledJson, 'planning/data/aws-price-catalog.json'));
  return bundled;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The catalog entry for an instance type in a region; the error lists what the catalog has. */
export function catalogEntry(catalog: PriceCatalog, region: string, instanceType: string): InstancePrice {
  const types = catalog.regions[region];
  if (!types) {
    throw new PriceCatalogError(
      `no prices for region "${region}" in the catalog of ${catalog.asOf}; it has ${list(Object.keys(catalog.regions))}. ` +
        'Set the pool\'s hourlyPrice, or add the region with `kinetic prices refresh --regions ' + region + '`.',
    );
  }
  const entry = types[instanceType];
  if (!entry) {
    throw new PriceCatalogError(
      `no price for "${instanceType}" in ${region} in the catalog of ${catalog.asOf}; ${region} has ${list(Object.keys(types))}. ` +
        'Set the pool\'s hourlyPrice, or add the type with `kinetic prices refresh --regions ' + region + ' --types ' + instanceType + '`.',
    );
  }
  return entry;
}

/** Hourly USD price of one instance under a pricing model. */
export function priceOf(catalog: PriceCatalog, region: string, instanceType: string, pricing: Pricing): number {
  const entry = catalogEntry(catalog, region, instanceType);
  switch (pricing) {
    case 'on-demand':
      return entry.onDemand;
    case 'spot':
      return entry.spot;
    case 'committed':
      return entry.committed1yr ?? round4(entry.onDemand * (1 - DEFAULT_COMMITTED_DISCOUNT));
    default:
      throw new PriceCatalogError(`unknown pricing "${String(pricing)}"; use on-demand, spot or committed`);
  }
}

/**
 * Hourly price of one instance of a pool that may launch any of its instance types: the most
 * expensive of them. A mixed-instances group (spot diversification above all) picks the type at
 * launch time, so the budget check must hold whichever it picks; the maximum never under-projects.
 */
export function poolHourlyPrice(catalog: PriceCatalog, region: string, instanceTypes: string[], pricing: Pricing): number {
  if (instanceTypes.length === 0) throw new PriceCatalogError(`pool in ${region} lists no instance types; name at least one, e.g. ["c6i.xlarge"]`);
  return Math.max(...instanceTypes.map((t) => priceOf(catalog, region, t, pricing)));
}

/** Whole days from the catalog's asOf (UTC midnight) to `now`; negative if asOf is in the future. */
export function catalogAge(catalog: PriceCatalog, now: Date | number): number {
  const nowMs = typeof now === 'number' ? now : now.getTime();
  return Math.floor((nowMs - Date.parse(`${catalog.asOf}T00:00:00Z`)) / 86_400_000);
}

function list(names: string[]): string {
  return names.length ? [...names].sort().join(', ') : 'nothing';
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

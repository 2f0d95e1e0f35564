/**
 * From a plan's pool tiers ("<computeType>/<region>/<pricing>" → instances) to one Auto Scaling
 * Group per (compute type, region). A group's MixedInstancesPolicy carries the pricing split:
 * committed + on-demand instances are the on-demand base capacity (reservations and savings plans
 * apply to on-demand usage), and 0 % on-demand above the base makes everything else spot.
 */
import { AwsSpecError, type AwsServiceSpec } from './spec';

export const PRICINGS = ['committed', 'on-demand', 'spot'] as const;
export type Pricing = (typeof PRICINGS)[number];

export interface PoolId {
  computeType: string;
  region: string;
  pricing: Pricing;
}

export interface TierGroup {
  /** "<computeType>/<region>": the key of the group in outputs. */
  key: string;
  computeType: string;
  region: string;
  asgName: string;
  launchTemplateName: string;
  committed: number;
  onDemand: number;
  spot: number;
  /** committed + on-demand: the group's OnDemandBaseCapacity. */
  onDemandBase: number;
  /** Sum of the three tiers: the group's DesiredCapacity. */
  desired: number;
  minSize: number;
  maxSize: number;
}

/** ASG names are per account and region, so one name per (service, compute type) is unique. */
export function asgName(service: string, computeType: string): string {
  return `kinetic-${service}-${computeType}`;
}

export function launchTemplateName(service: string, computeType: string): string {
  return `kinetic-${service}-${computeType}`;
}

export function parsePoolId(id: string): PoolId | undefined {
  const parts = id.split('/');
  if (parts.length !== 3) return undefined;
  const [computeType, region, pricing] = parts;
  if (!computeType || !region || !(PRICINGS as readonly string[]).includes(pricing)) return undefined;
  return { computeType, region, pricing: pricing as Pricing };
}

/**
 * The groups a plan needs, sorted by key. Throws an AwsSpecError naming each bad tier: a key that is
 * not a pool id, a region or compute type the spec lacks, a count that is not an integer >= 0, or a
 * group total outside [minSize, maxSize].
 */
export function groupTiers(spec: AwsServiceSpec, tiers: Record<string, number>): TierGroup[] {
  const problems: string[] = [];
  const groups = new Map<string, TierGroup>();
  for (const [id, count] of Object.entries(tiers)) {
    const at = `tiers["${id}"]`;
    const pool = parsePoolId(id);
    if (!pool) {
      problems.push(`${at}: not a pool id; pulumi-aws needs "<computeType>/<region>/<pricing>" with pricing one of ${PRICINGS.join(', ')}`);
      continue;
    }
    const ct = spec.computeTypes[pool.computeType];
    if (!ct) problems.push(`${at}: compute type "${pool.computeType}" is not in spec.computeTypes (${Object.keys(spec.computeTypes).join(', ')}); add it there`);
    if (!spec.regions[pool.region]) problems.push(`${at}: region "${pool.region}" is not in spec.regions (${Object.keys(spec.regions).join(', ')}); add it there`);
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) problems.push(`${at}: instance count must be an integer >= 0, got ${JSON.stringify(count)}`);
    if (!ct || !spec.regions[pool.region] || !Number.isInteger(count) || count < 0) continue;
    const key = `${pool.computeType}/${pool.region}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        key,
        computeType: pool.computeType,
        region: pool.region,
        asgName: asgName(spec.service, pool.computeType),
        launchTemplateName: launchTemplateName(spec.service, pool.computeType),
        committed: 0,
        onDemand: 0,
        spot: 0,
        onDemandBase: 0,
        desired: 0,
        minSize: ct.minSize ?? 0,
        maxSize: ct.maxSize,
      };
      groups.set(key, g);
    }
    if (pool.pricing === 'committed') g.committed += count;
    else if (pool.pricing === 'on-demand') g.onDemand += count;
    else g.spot += count;
    g.onDemandBase = g.committed + g.onDemand;
    g.desired = g.onDemandBase + g.spot;
  }
  for (const g of groups.values()) {
    if (g.desired > g.maxSize) problems.push(`tiers of ${g.key}: ${g.desired} instances exceed computeTypes["${g.computeType}"].maxSize ${g.maxSize}; raise maxSize or lower the plan`);
    if (g.desired < g.minSize) problems.push(`tiers of ${g.key}: ${g.desired} instances are below computeTypes["${g.computeType}"].minSize ${g.minSize}; lower minSize or raise the plan`);
  }
  if (problems.length > 0) throw new AwsSpecError(problems, 'plan for pulumi-aws');
  return [...groups.values()].sort((a, b) => a.key.localeCompare(b.key));
}

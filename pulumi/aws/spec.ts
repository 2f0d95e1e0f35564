/**
 * What the AWS program needs to know about one service besides the plan: where it may run (subnets,
 * image per region) and what it runs on (instance types per compute type). Validated up front so a
 * bad spec fails before any engine run, with an error that names the field and the fix.
 */

export interface AwsRegionSpec {
  /** Subnets of the Auto Scaling Groups in this region (one per AZ you want to spread over). */
  subnetIds: string[];
  securityGroupIds?: string[];
  /** AMI of the launch templates in this region (AMI ids are regional). */
  imageId: string;
  keyName?: string;
}

export interface AwsComputeTypeSpec {
  /** Instance types the group may launch; the first is the launch template's default, all are overrides. */
  instanceTypes: string[];
  /** Bump to roll out a new template version (vertical scaling / new AMI): the ASG refreshes its instances. */
  templateVersion?: number;
  /** Plain-text user data (base64-encoded by the program). */
  userData?: string;
  /** Group bounds; a plan's tier sum for this compute type must stay within them. minSize defaults to 0. */
  minSize?: number;
  maxSize: number;
}

export interface AwsServiceSpec {
  service: string;
  regions: Record<string, AwsRegionSpec>;
  computeTypes: Record<string, AwsComputeTypeSpec>;
  /** Cost-attribution tags (e.g. cost-center, department, project), put on every template and group. */
  tags?: Record<string, string>;
  /** Instance refresh: share of the group that must stay healthy during a rolling replacement (default 90). */
  minHealthyPercentage?: number;
}

export class AwsSpecError extends Error {
  constructor(
    readonly problems: string[],
    what = 'AWS service spec',
  ) {
    super(`invalid ${what}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'AwsSpecError';
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const INSTANCE_TYPE = /^[a-z0-9-]+\.[a-z0-9-]+$/;

function isNonNegInt(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0;
}

/** Every problem of the spec, each naming its field; empty when valid. */
export function awsSpecProblems(spec: AwsServiceSpec): string[] {
  const p: string[] = [];
  if (!spec || typeof spec !== 'object') return ['spec: expected an object { service, regions, computeTypes }'];
  if (typeof spec.service !== 'string' || !NAME.test(spec.service) || spec.service.length > 64) {
    p.push(`service: ${JSON.stringify(spec.service)} must be 1-64 letters, digits or dashes (it names stacks, templates and groups)`);
  }
  const regions = Object.entries(spec.regions ?? {});
  if (regions.length === 0) p.push('regions: add at least one region, e.g. { "us-east-1": { subnetIds: ["subnet-…"], imageId: "ami-…" } }');
  for (const [name, r] of regions) {
    const at = `regions["${name}"]`;
    if (!REGION.test(name)) p.push(`${at}: not an AWS region name (e.g. us-east-1)`);
    if (!r || typeof r !== 'object') {
      p.push(`${at}: expected { subnetIds, imageId }`);
      continue;
    }
    if (!Array.isArray(r.subnetIds) || r.subnetIds.length === 0) p.push(`${at}.subnetIds: list at least one subnet id (subnet-…)`);
    else r.subnetIds.forEach((s, i) => /^subnet-[0-9a-f]+$/.test(s) || p.push(`${at}.subnetIds[${i}]: ${JSON.stringify(s)} is not a subnet id (subnet-…)`));
    r.securityGroupIds?.forEach((s, i) => /^sg-[0-9a-f]+$/.test(s) || p.push(`${at}.securityGroupIds[${i}]: ${JSON.stringify(s)} is not a security group id (sg-…)`));
    if (typeof r.imageId !== 'string' || !/^ami-[0-9a-f]+$/.test(r.imageId)) p.push(`${at}.imageId: ${JSON.stringify(r.imageId)} is not an AMI id (ami-…)`);
  }
  const types = Object.entries(spec.computeTypes ?? {});
  if (types.length === 0) p.push('computeTypes: add at least one compute type, e.g. { cpu: { instanceTypes: ["m7i.large"], maxSize: 10 } }');
  for (const [name, c] of types) {
    const at = `computeTypes["${name}"]`;
    if (!NAME.test(name)) p.push(`${at}: compute type names are letters, digits or dashes (they name templates and groups)`);
    if (!c || typeof c !== 'object') {
      p.push(`${at}: expected { instanceTypes, maxSize }`);
      continue;
    }
    if (!Array.isArray(c.instanceTypes) || c.instanceTypes.length === 0) p.push(`${at}.instanceTypes: list at least one instance type (e.g. m7i.large)`);
    else {
      c.instanceTypes.forEach((t, i) => INSTANCE_TYPE.test(t) || p.push(`${at}.instanceTypes[${i}]: ${JSON.stringify(t)} is not an instance type (family.size)`));
      if (new Set(c.instanceTypes).size !== c.instanceTypes.length) p.push(`${at}.instanceTypes: remove the duplicates`);
    }
    if (!isNonNegInt(c.maxSize) || c.maxSize < 1) p.push(`${at}.maxSize: must be an integer >= 1, got ${JSON.stringify(c.maxSize)}`);
    if (c.minSize !== undefined && !isNonNegInt(c.minSize)) p.push(`${at}.minSize: must be an integer >= 0, got ${JSON.stringify(c.minSize)}`);
    if (isNonNegInt(c.minSize) && isNonNegInt(c.maxSize) && c.minSize > c.maxSize) p.push(`${at}.minSize: ${c.minSize} exceeds maxSize ${c.maxSize}`);
    if (c.templateVersion !== undefined && (!isNonNegInt(c.templateVersion) || c.templateVersion < 1)) {
      p.push(`${at}.templateVersion: must be an integer >= 1, got ${JSON.stringify(c.templateVersion)}`);
    }
    if (c.userData !== undefined && Buffer.byteLength(c.userData, 'utf8') > 12_288) p.push(`${at}.userData: over 12 KiB (EC2 limit is 16 KiB after base64)`);
  }
  for (const [k, v] of Object.entries(spec.tags ?? {})) {
    if (/^(aws:|kinetic:)/i.test(k)) p.push(`tags["${k}"]: the aws: and kinetic: prefixes are reserved; rename the tag`);
    if (k.length === 0 || k.length > 128) p.push(`tags["${k}"]: keys are 1-128 characters`);
    if (typeof v !== 'string' || v.length > 256) p.push(`tags["${k}"]: values are strings of at most 256 characters`);
  }
  const mhp = spec.minHealthyPercentage;
  if (mhp !== undefined && (!isNonNegInt(mhp) || mhp > 100)) p.push(`minHealthyPercentage: must be an integer 0-100, got ${JSON.stringify(mhp)}`);
  return p;
}

/** Throws an AwsSpecError listing every problem. */
export function validateAwsSpec(spec: AwsServiceSpec): AwsServiceSpec {
  const problems = awsSpecProblems(spec);
  if (problems.length > 0) throw new AwsSpecError(problems);
  return spec;
}

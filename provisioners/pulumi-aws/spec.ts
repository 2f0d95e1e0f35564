import type { ProvisionerConfig, ServiceConfig } from '../../config/schema';
import type { AwsServiceSpec } from '../../pulumi/aws/spec';

type AwsConfig = Extract<ProvisionerConfig, { type: 'pulumi-aws' }>;

/**
 * The AWS program's spec from kinetic.yaml, so nothing is said twice: instance types come from the
 * active (or the given) template version (vertical scaling) or the compute type, group bounds from the pools, cost tags
 * from the budget block.
 */
export function awsSpecFor(service: string, svc: ServiceConfig, cfg: AwsConfig, templateVersion?: number): AwsServiceSpec {
  const computeTypes: AwsServiceSpec['computeTypes'] = {};
  const version = templateVersion ?? svc.activeTemplate;
  const active = svc.templates?.find((t) => t.version === version) ?? (templateVersion === undefined ? svc.templates?.[svc.templates.length - 1] : undefined);
  if (templateVersion !== undefined && svc.templates && !active) {
    throw new Error(`services.${service}.templates: no template has version ${templateVersion} (declared: ${svc.templates.map((t) => t.version).join(', ')})`);
  }
  for (const [name, type] of Object.entries(svc.computeTypes ?? {})) {
    const launch = cfg.launch[name] ?? {};
    const fromTemplate = active?.computeType === name ? active : undefined;
    // A group spans every pricing of its compute type in one region: its max is the largest regional sum.
    const perRegion = new Map<string, number>();
    for (const p of svc.pools ?? []) if (p.computeType === name) perRegion.set(p.region, (perRegion.get(p.region) ?? 0) + p.max);
    computeTypes[name] = {
      instanceTypes: fromTemplate?.instanceTypes ?? type.instanceTypes,
      templateVersion: fromTemplate?.version,
      userData: launch.userData,
      minSize: launch.minSize,
      maxSize: launch.maxSize ?? Math.max(1, ...perRegion.values()),
    };
  }
  return {
    service,
    regions: cfg.regions,
    computeTypes,
    tags: { ...(svc.budget.project ? { project: svc.budget.project } : {}), ...svc.budget.tags },
    minHealthyPercentage: cfg.minHealthyPercentage,
  };
}

/**
 * The inline Pulumi program of one AWS service stack: per region used, an `aws.Provider`; per
 * (region, compute type), a launch template and an Auto Scaling Group whose MixedInstancesPolicy
 * carries the plan's pricing split (see ./tiers.ts). Everything in the plan is in the closure, so a
 * run deploys exactly the plan it was built for; `tieredAsgProgramFromConfig` rebuilds it from the
 * stack config the provisioner wrote (for refresh and destroy).
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { validateAwsSpec, type AwsServiceSpec } from './spec';
import { groupTiers, type TierGroup } from './tiers';

export const SPOT_ALLOCATION_STRATEGY = 'price-capacity-optimized';
const DEFAULT_MIN_HEALTHY_PERCENTAGE = 90;

/** Outputs of the stack; `tiers` and `decisionId` let `current` read the last applied plan. */
export interface TieredAsgOutputs {
  service: string;
  decisionId: string;
  tiers: Record<string, number>;
  /** "<computeType>/<region>" → ASG name. */
  asgNames: Record<string, pulumi.Output<string>>;
  groups: Record<string, { region: string; computeType: string; desired: number; onDemandBase: number; spot: number }>;
}

function costTags(spec: AwsServiceSpec, g: TierGroup): Record<string, string> {
  return { ...spec.tags, 'kinetic:service': spec.service, 'kinetic:compute-type': g.computeType };
}

function launchTemplate(spec: AwsServiceSpec, g: TierGroup, provider: aws.Provider): aws.ec2.LaunchTemplate {
  const region = spec.regions[g.region];
  const ct = spec.computeTypes[g.computeType];
  const version = ct.templateVersion ?? 1;
  // No decision tag here: a template change starts an instance refresh, a scaling decision must not.
  const tags = { ...costTags(spec, g), 'kinetic:template-version': String(version) };
  return new aws.ec2.LaunchTemplate(
    `lt-${g.computeType}-${g.region}`,
    {
      name: g.launchTemplateName,
      description: `kinetic ${spec.service} ${g.computeType} template v${version}`,
      imageId: region.imageId,
      instanceType: ct.instanceTypes[0],
      keyName: region.keyName,
      vpcSecurityGroupIds: region.securityGroupIds,
      // A secret: user data often carries tokens; the state holds it encrypted, previews mask it.
      userData: ct.userData === undefined ? undefined : pulumi.secret(Buffer.from(ct.userData, 'utf8').toString('base64')),
      updateDefaultVersion: true,
      tags,
      tagSpecifications: [{ resourceType: 'volume', tags: costTags(spec, g) }],
    },
    { provider },
  );
}

function autoScalingGroup(spec: AwsServiceSpec, g: TierGroup, template: aws.ec2.LaunchTemplate, decisionId: string, provider: aws.Provider) {
  const tags = { ...costTags(spec, g), 'kinetic:decision': decisionId, Name: g.asgName };
  return new aws.autoscaling.Group(
    `asg-${g.computeType}-${g.region}`,
    {
      name: g.asgName,
      desiredCapacity: g.desired,
      minSize: g.minSize,
      maxSize: g.maxSize,
      vpcZoneIdentifiers: spec.regions[g.region].subnetIds,
      capacityRebalance: true,
      // Verification waits for InService instances with heartbeats; the provider's own wait would
      // hold the engine (and the stack lock) for up to 10 minutes without telling us anything.
      waitForCapacityTimeout: '0',
      mixedInstancesPolicy: {
        instancesDistribution: {
          onDemandBaseCapacity: g.onDemandBase,
          onDemandPercentageAboveBaseCapacity: 0,
          spotAllocationStrategy: SPOT_ALLOCATION_STRATEGY,
        },
        launchTemplate: {
          launchTemplateSpecification: { launchTemplateId: template.id, version: template.latestVersion.apply(String) },
          overrides: spec.computeTypes[g.computeType].instanceTypes.map((instanceType) => ({ instanceType })),
        },
      },
      // A new template version rolls through the group. A MixedInstancesPolicy change (a new pricing
      // split) also starts a refresh; skipMatching keeps instances already on the right template
      // and type, so such a refresh replaces nothing.
      instanceRefresh: {
        strategy: 'Rolling',
        preferences: { minHealthyPercentage: spec.minHealthyPercentage ?? DEFAULT_MIN_HEALTHY_PERCENTAGE, skipMatching: true },
      },
      tags: Object.entries(tags).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
    },
    { provider },
  );
}

/** The program for one plan. Validates the spec and the tiers when called (before any resource). */
export function tieredAsgProgram(spec: AwsServiceSpec, tiers: Record<string, number>, decisionId: string): () => Promise<TieredAsgOutputs> {
  validateAwsSpec(spec);
  const groups = groupTiers(spec, tiers);
  return async () => {
    const providers = new Map<string, aws.Provider>();
    const asgNames: TieredAsgOutputs['asgNames'] = {};
    const outGroups: TieredAsgOutputs['groups'] = {};
    for (const g of groups) {
      let provider = providers.get(g.region);
      if (!provider) {
        provider = new aws.Provider(`aws-${g.region}`, { region: g.region as aws.Region });
        providers.set(g.region, provider);
      }
      const template = launchTemplate(spec, g, provider);
      const asg = autoScalingGroup(spec, g, template, decisionId, provider);
      asgNames[g.key] = asg.name;
      outGroups[g.key] = { region: g.region, computeType: g.computeType, desired: g.desired, onDemandBase: g.onDemandBase, spot: g.spot };
    }
    return { service: spec.service, decisionId, tiers: { ...tiers }, asgNames, groups: outGroups };
  };
}

/** The program of the last applied plan, read from stack config `kinetic:tiers` / `kinetic:decisionId`. */
export function tieredAsgProgramFromConfig(spec: AwsServiceSpec): () => Promise<TieredAsgOutputs> {
  return async () => {
    const cfg = new pulumi.Config('kinetic');
    const tiers = cfg.getObject<Record<string, number>>('tiers') ?? {};
    return tieredAsgProgram(spec, tiers, cfg.get('decisionId') ?? '')();
  };
}

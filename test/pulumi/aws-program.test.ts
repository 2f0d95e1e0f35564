/**
 * The AWS program's resource graph under `pulumi.runtime.setMocks` (no engine, no plugin, no
 * account): providers, launch templates and Auto Scaling Groups for representative plans, with the
 * MixedInstancesPolicy numbers, tags, capacity rebalancing and instance refresh. setMocks is
 * process-global, so every mocks test of the program lives in this file.
 */
import * as pulumi from '@pulumi/pulumi';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsSpecError, tieredAsgProgram, tieredAsgProgramFromConfig, type AwsServiceSpec, type TieredAsgOutputs } from '../../pulumi/aws';

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  provider?: string;
}

/** How the Pulumi SDK marks a secret value on the wire (`pulumi.runtime.specialSigKey` / `specialSecretSig`). */
const SECRET_SIG = pulumi.runtime.specialSigKey;
const SECRET_SIG_VALUE = pulumi.runtime.specialSecretSig;

let registered: Registered[] = [];
const LATEST_TEMPLATE_VERSION = 7;

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (a) => {
        registered.push({ type: a.type, name: a.name, inputs: a.inputs, provider: a.provider });
        const state = a.type === 'aws:ec2/launchTemplate:LaunchTemplate' ? { ...a.inputs, latestVersion: LATEST_TEMPLATE_VERSION } : a.inputs;
        return { id: `${a.name}-id`, state };
      },
      call: (a) => a.inputs,
    },
    'kinetic-aws',
    'web',
  );
});
beforeEach(() => {
  registered = [];
});

const spec = (over: Partial<AwsServiceSpec> = {}): AwsServiceSpec => ({
  service: 'web',
  regions: {
    'us-east-1': { subnetIds: ['subnet-0a11b22c33d44e55f', 'subnet-0f66e77d88c99b00a'], securityGroupIds: ['sg-0123abcd'], imageId: 'ami-0e1f2a3b4c5d6e7f8', keyName: 'ops' },
    'eu-west-1': { subnetIds: ['subnet-0123456789abcdef0'], imageId: 'ami-0a9b8c7d6e5f40312' },
  },
  computeTypes: {
    cpu: { instanceTypes: ['m7i.large', 'm6i.large', 'm6a.large'], maxSize: 20, templateVersion: 3, userData: '#!/bin/sh\necho kinetic\n' },
    gpu: { instanceTypes: ['g5.xlarge', 'g6.xlarge'], minSize: 0, maxSize: 4 },
  },
  tags: { 'cost-center': 'cc-4410', department: 'platform', project: 'kinetic' },
  minHealthyPercentage: 75,
  ...over,
});

function unwrap<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply(resolve));
}

/** Runs the program and waits until every group (and so every template and provider) is registered. */
async function run(s: AwsServiceSpec, tiers: Record<string, number>, decisionId = 'd-1'): Promise<TieredAsgOutputs & { names: Record<string, string> }> {
  const out = await tieredAsgProgram(s, tiers, decisionId)();
  const names: Record<string, string> = {};
  for (const [k, v] of Object.entries(out.asgNames)) names[k] = await unwrap(v);
  return { ...out, names };
}

const ofType = (suffix: string) => registered.filter((r) => r.type.endsWith(suffix));
const providers = () => ofType('pulumi:providers:aws');
const templates = () => ofType('launchTemplate:LaunchTemplate');
const groups = () => ofType('autoscaling/group:Group');
const group = (name: string) => {
  const g = groups().find((r) => r.name === name);
  if (!g) throw new Error(`no group ${name}; registered: ${groups().map((r) => r.name).join(', ')}`);
  return g.inputs;
};
const tagMap = (tags: Array<{ key: string; value: string; propagateAtLaunch: boolean }>) => Object.fromEntries(tags.map((t) => [t.key, t.value]));

describe('tiered ASG program', () => {
  it('all on-demand: one provider, template and group; everything is on-demand base capacity', async () => {
    const out = await run(spec(), { 'cpu/us-east-1/on-demand': 3 });
    expect([providers().length, templates().length, groups().length]).toEqual([1, 1, 1]);
    expect(providers()[0].inputs.region).toBe('us-east-1');
    const g = group('asg-cpu-us-east-1');
    expect(g.desiredCapacity).toBe(3);
    expect(g.mixedInstancesPolicy.instancesDistribution).toEqual({
      onDemandBaseCapacity: 3,
      onDemandPercentageAboveBaseCapacity: 0,
      spotAllocationStrategy: 'price-capacity-optimized',
    });
    expect([g.minSize, g.maxSize]).toEqual([0, 20]);
    expect(g.vpcZoneIdentifiers).toEqual(['subnet-0a11b22c33d44e55f', 'subnet-0f66e77d88c99b00a']);
    expect(g.waitForCapacityTimeout).toBe('0');
    expect(out.names).toEqual({ 'cpu/us-east-1': 'kinetic-web-cpu' });
    expect(out.groups['cpu/us-east-1']).toEqual({ region: 'us-east-1', computeType: 'cpu', desired: 3, onDemandBase: 3, spot: 0 });
  });

  it('committed + spot: committed instances are the on-demand base, spot fills the rest', async () => {
    await run(spec(), { 'cpu/us-east-1/committed': 4, 'cpu/us-east-1/spot': 3 });
    const g = group('asg-cpu-us-east-1');
    expect(g.desiredCapacity).toBe(7);
    expect(g.mixedInstancesPolicy.instancesDistribution.onDemandBaseCapacity).toBe(4);
    expect(g.mixedInstancesPolicy.instancesDistribution.onDemandPercentageAboveBaseCapacity).toBe(0);
    // Spot capacity is diversified over every instance type of the compute type.
    expect(g.mixedInstancesPolicy.launchTemplate.overrides).toEqual([{ instanceType: 'm7i.large' }, { instanceType: 'm6i.large' }, { instanceType: 'm6a.large' }]);
  });

  it('two regions x two compute types: a provider per region, a template and a group per pair', async () => {
    const tiers = {
      'cpu/us-east-1/committed': 4,
      'cpu/us-east-1/spot': 3,
      'cpu/us-east-1/on-demand': 2,
      'cpu/eu-west-1/on-demand': 2,
      'gpu/us-east-1/spot': 1,
      'gpu/eu-west-1/committed': 1,
      'gpu/eu-west-1/spot': 2,
    };
    const out = await run(spec(), tiers, 'd-42');
    expect(providers().map((p) => p.inputs.region).sort()).toEqual(['eu-west-1', 'us-east-1']);
    expect(templates().map((t) => t.name).sort()).toEqual(['lt-cpu-eu-west-1', 'lt-cpu-us-east-1', 'lt-gpu-eu-west-1', 'lt-gpu-us-east-1']);
    const numbers = Object.fromEntries(
      groups().map((g) => [g.name, [g.inputs.desiredCapacity, g.inputs.mixedInstancesPolicy.instancesDistribution.onDemandBaseCapacity]]),
    );
    expect(numbers).toEqual({
      'asg-cpu-us-east-1': [9, 6],
      'asg-cpu-eu-west-1': [2, 2],
      'asg-gpu-us-east-1': [1, 0],
      'asg-gpu-eu-west-1': [3, 1],
    });
    // Each group and template is created through the provider of its own region.
    for (const r of [...groups(), ...templates()]) {
      const region = r.name.replace(/^(asg|lt)-[a-z]+-/, '');
      expect(r.provider, r.name).toContain(`::aws-${region}::`);
    }
    expect(group('asg-gpu-eu-west-1').mixedInstancesPolicy.launchTemplate.overrides).toEqual([{ instanceType: 'g5.xlarge' }, { instanceType: 'g6.xlarge' }]);
    expect(group('asg-cpu-eu-west-1').vpcZoneIdentifiers).toEqual(['subnet-0123456789abcdef0']);
    expect(out.names).toEqual({
      'cpu/eu-west-1': 'kinetic-web-cpu',
      'cpu/us-east-1': 'kinetic-web-cpu',
      'gpu/eu-west-1': 'kinetic-web-gpu',
      'gpu/us-east-1': 'kinetic-web-gpu',
    });
    expect(out.tiers).toEqual(tiers);
    expect(out.decisionId).toBe('d-42');
  });

  it('launch templates carry the regional image, the first instance type, user data and the template version', async () => {
    await run(spec(), { 'cpu/us-east-1/on-demand': 1, 'cpu/eu-west-1/on-demand': 1, 'gpu/eu-west-1/spot': 1 });
    const lt = (n: string) => templates().find((t) => t.name === n)!.inputs;
    expect(lt('lt-cpu-us-east-1')).toMatchObject({
      name: 'kinetic-web-cpu',
      imageId: 'ami-0e1f2a3b4c5d6e7f8',
      instanceType: 'm7i.large',
      keyName: 'ops',
      vpcSecurityGroupIds: ['sg-0123abcd'],
      description: 'kinetic web cpu template v3',
      updateDefaultVersion: true,
    });
    // User data is a Pulumi secret (the engine gets it wrapped with the secret signature; the state holds it encrypted).
    const userData = lt('lt-cpu-us-east-1').userData as unknown as Record<string, string>;
    expect(userData[SECRET_SIG]).toBe(SECRET_SIG_VALUE);
    expect(Buffer.from(userData.value, 'base64').toString('utf8')).toBe('#!/bin/sh\necho kinetic\n');
    expect(lt('lt-cpu-eu-west-1').imageId).toBe('ami-0a9b8c7d6e5f40312');
    expect(lt('lt-gpu-eu-west-1')).toMatchObject({ instanceType: 'g5.xlarge', description: 'kinetic web gpu template v1' });
    expect(lt('lt-gpu-eu-west-1').userData).toBeUndefined();
    // No decision tag on templates: a scaling decision must not create a template version.
    expect(lt('lt-cpu-us-east-1').tags).toEqual({
      'cost-center': 'cc-4410',
      department: 'platform',
      project: 'kinetic',
      'kinetic:service': 'web',
      'kinetic:compute-type': 'cpu',
      'kinetic:template-version': '3',
    });
    expect(lt('lt-cpu-us-east-1').tagSpecifications).toEqual([
      { resourceType: 'volume', tags: { 'cost-center': 'cc-4410', department: 'platform', project: 'kinetic', 'kinetic:service': 'web', 'kinetic:compute-type': 'cpu' } },
    ]);
  });

  it('groups carry service, compute type, decision and cost-attribution tags, propagated at launch', async () => {
    await run(spec(), { 'gpu/us-east-1/spot': 2 }, 'd-77');
    const g = group('asg-gpu-us-east-1');
    expect(tagMap(g.tags)).toEqual({
      'cost-center': 'cc-4410',
      department: 'platform',
      project: 'kinetic',
      'kinetic:service': 'web',
      'kinetic:compute-type': 'gpu',
      'kinetic:decision': 'd-77',
      Name: 'kinetic-web-gpu',
    });
    expect(g.tags.every((t: { propagateAtLaunch: boolean }) => t.propagateAtLaunch === true)).toBe(true);
  });

  it('rebalances spot capacity and rolls template changes through an instance refresh', async () => {
    await run(spec(), { 'cpu/us-east-1/spot': 2 });
    const g = group('asg-cpu-us-east-1');
    expect(g.capacityRebalance).toBe(true);
    expect(g.instanceRefresh).toEqual({ strategy: 'Rolling', preferences: { minHealthyPercentage: 75, skipMatching: true } });
    // The group pins the template's latest version (not $Latest), so a new version starts a refresh.
    expect(g.mixedInstancesPolicy.launchTemplate.launchTemplateSpecification).toEqual({ launchTemplateId: 'lt-cpu-us-east-1-id', version: String(LATEST_TEMPLATE_VERSION) });
    registered = [];
    await run(spec({ minHealthyPercentage: undefined }), { 'cpu/us-east-1/spot': 2 });
    expect(group('asg-cpu-us-east-1').instanceRefresh.preferences.minHealthyPercentage).toBe(90);
  });

  it('a zero tier keeps its group at desired 0; an empty plan creates nothing', async () => {
    await run(spec(), { 'gpu/us-east-1/spot': 0, 'cpu/us-east-1/on-demand': 1 });
    expect(group('asg-gpu-us-east-1').desiredCapacity).toBe(0);
    registered = [];
    const out = await run(spec(), {});
    expect(registered).toEqual([]);
    expect(out.names).toEqual({});
  });

  it('rebuilds the last applied plan from stack config (refresh and destroy runs)', async () => {
    pulumi.runtime.setConfig('kinetic:tiers', JSON.stringify({ 'cpu/eu-west-1/committed': 2, 'cpu/eu-west-1/spot': 1 }));
    pulumi.runtime.setConfig('kinetic:decisionId', 'd-from-config');
    const out = await tieredAsgProgramFromConfig(spec())();
    await unwrap(out.asgNames['cpu/eu-west-1']);
    expect(out.decisionId).toBe('d-from-config');
    const g = group('asg-cpu-eu-west-1');
    expect([g.desiredCapacity, g.mixedInstancesPolicy.instancesDistribution.onDemandBaseCapacity]).toEqual([3, 2]);
    expect(tagMap(g.tags)['kinetic:decision']).toBe('d-from-config');
  });
});

describe('bad input', () => {
  const problems = (fn: () => unknown): string[] => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(AwsSpecError);
      return (err as AwsSpecError).problems;
    }
    throw new Error('expected an AwsSpecError');
  };

  it('names every bad spec field and the fix, before any resource exists', () => {
    const bad = spec({
      service: 'web service',
      regions: { 'us-east-1': { subnetIds: [], imageId: 'ubuntu' }, moon: { subnetIds: ['subnet-0abc'], securityGroupIds: ['default'], imageId: 'ami-0abc' } },
      computeTypes: { cpu: { instanceTypes: ['large', 'm7i.large', 'm7i.large'], maxSize: 0, minSize: 3, templateVersion: 0 } },
      tags: { 'kinetic:decision': 'x', 'aws:createdBy': 'y' },
      minHealthyPercentage: 120,
    });
    expect(problems(() => tieredAsgProgram(bad, {}, 'd'))).toEqual([
      'service: "web service" must be 1-64 letters, digits or dashes (it names stacks, templates and groups)',
      'regions["us-east-1"].subnetIds: list at least one subnet id (subnet-…)',
      'regions["us-east-1"].imageId: "ubuntu" is not an AMI id (ami-…)',
      'regions["moon"]: not an AWS region name (e.g. us-east-1)',
      'regions["moon"].securityGroupIds[0]: "default" is not a security group id (sg-…)',
      'computeTypes["cpu"].instanceTypes[0]: "large" is not an instance type (family.size)',
      'computeTypes["cpu"].instanceTypes: remove the duplicates',
      'computeTypes["cpu"].maxSize: must be an integer >= 1, got 0',
      'computeTypes["cpu"].minSize: 3 exceeds maxSize 0',
      'computeTypes["cpu"].templateVersion: must be an integer >= 1, got 0',
      'tags["kinetic:decision"]: the aws: and kinetic: prefixes are reserved; rename the tag',
      'tags["aws:createdBy"]: the aws: and kinetic: prefixes are reserved; rename the tag',
      'minHealthyPercentage: must be an integer 0-100, got 120',
    ]);
    expect(problems(() => tieredAsgProgram(spec({ regions: {}, computeTypes: {} }), {}, 'd'))).toEqual([
      expect.stringMatching(/^regions: add at least one region/),
      expect.stringMatching(/^computeTypes: add at least one compute type/),
    ]);
    expect(registered).toEqual([]);
  });

  it('names every bad tier: not a pool id, unknown region or compute type, bad count, outside the group bounds', () => {
    const s = spec({ computeTypes: { cpu: { instanceTypes: ['m7i.large'], maxSize: 5 }, gpu: { instanceTypes: ['g5.xlarge'], minSize: 1, maxSize: 2 } } });
    expect(
      problems(() =>
        tieredAsgProgram(
          s,
          {
            default: 3,
            'cpu/us-east-1/reserved': 1,
            'tpu/us-east-1/spot': 1,
            'cpu/ap-south-1/spot': 1,
            'cpu/eu-west-1/spot': -1,
            'cpu/us-east-1/committed': 4,
            'cpu/us-east-1/spot': 2,
            'gpu/eu-west-1/spot': 0,
          },
          'd',
        ),
      ),
    ).toEqual([
      'tiers["default"]: not a pool id; pulumi-aws needs "<computeType>/<region>/<pricing>" with pricing one of committed, on-demand, spot',
      'tiers["cpu/us-east-1/reserved"]: not a pool id; pulumi-aws needs "<computeType>/<region>/<pricing>" with pricing one of committed, on-demand, spot',
      'tiers["tpu/us-east-1/spot"]: compute type "tpu" is not in spec.computeTypes (cpu, gpu); add it there',
      'tiers["cpu/ap-south-1/spot"]: region "ap-south-1" is not in spec.regions (us-east-1, eu-west-1); add it there',
      'tiers["cpu/eu-west-1/spot"]: instance count must be an integer >= 0, got -1',
      'tiers of cpu/us-east-1: 6 instances exceed computeTypes["cpu"].maxSize 5; raise maxSize or lower the plan',
      'tiers of gpu/eu-west-1: 0 instances are below computeTypes["gpu"].minSize 1; lower minSize or raise the plan',
    ]);
    expect(registered).toEqual([]);
  });
});

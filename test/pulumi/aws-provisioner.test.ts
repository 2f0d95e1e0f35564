/**
 * The `pulumi-aws` provisioner where it needs neither the AWS plugin nor the engine: `current` from
 * the stack checkpoint, `verify` against recorded DescribeAutoScalingGroups responses (one real
 * client per region), plan validation, and the clear non-retryable error when the plugin is missing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CapacityPlan } from '../../provisioners/contract';
import { ProvisionError } from '../../provisioners/errors';
import { createPulumiAwsProvisioner, type PulumiAwsOptions } from '../../provisioners/pulumi-aws';
import { awsPluginVersion, findAwsPlugin } from '../../provisioners/pulumi-aws/plugin';
import type { AwsServiceSpec } from '../../pulumi/aws';
import { fromFile, startRecordedServer, TEST_CREDENTIALS, type ReceivedRequest, type RecordedResponse, type RecordedServer } from '../helpers/aws-recorded-server';
import { S3RVER_CREDENTIALS, startS3Server } from '../helpers/s3-server';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'aws', 'autoscaling');
const fixture = (name: string) => fromFile(path.join(FIXTURES, name));
const PAGE_2_TOKEN = 'eyJwYWdlIjoyLCJncm91cCI6ImtpbmV0aWMtd2ViLWdwdSJ9';

const SPEC: AwsServiceSpec = {
  service: 'web',
  regions: {
    'us-east-1': { subnetIds: ['subnet-0a11b22c33d44e55f', 'subnet-0f66e77d88c99b00a'], imageId: 'ami-0e1f2a3b4c5d6e7f8' },
    'eu-west-1': { subnetIds: ['subnet-0123456789abcdef0'], imageId: 'ami-0a9b8c7d6e5f40312' },
  },
  computeTypes: {
    cpu: { instanceTypes: ['m7i.large', 'm6i.large', 'm6a.large'], maxSize: 20 },
    gpu: { instanceTypes: ['g5.xlarge', 'g6.xlarge'], maxSize: 4 },
  },
  tags: { 'cost-center': 'cc-4410', project: 'kinetic' },
};

const PLAN: CapacityPlan = {
  decisionId: 'd-20261122-0915',
  service: 'web',
  tiers: { 'cpu/us-east-1/committed': 4, 'cpu/us-east-1/on-demand': 2, 'cpu/us-east-1/spot': 3, 'gpu/us-east-1/spot': 2, 'cpu/eu-west-1/on-demand': 2 },
  total: 13,
};

const roots: string[] = [];
function tempRoot(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-pulumi-aws-'));
  roots.push(dir);
  return dir;
}

let server: RecordedServer;
let usEast1: (req: ReceivedRequest) => RecordedResponse;

beforeAll(async () => {
  server = await startRecordedServer({
    DescribeAutoScalingGroups: (req) => {
      if (req.region === 'eu-west-1') return fixture('describe-groups-eu-west-1.xml');
      return usEast1(req);
    },
  });
});
afterAll(async () => {
  await server.close();
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

function provisioner(over: Partial<PulumiAwsOptions> = {}) {
  const root = tempRoot();
  return createPulumiAwsProvisioner({
    rootDir: root,
    spec: SPEC,
    pulumiHome: path.join(root, 'home'),
    pulumiBin: path.join(root, 'no-cli', 'pulumi'),
    autoScaling: (region) => new AutoScalingClient({ region, endpoint: server.endpoint, credentials: TEST_CREDENTIALS }),
    verifyTimeoutMs: 2_000,
    verifyPollMs: 20,
    ...over,
  });
}

describe('pulumi-aws current', () => {
  it('is zero tiers for a new stack', async () => {
    const p = provisioner();
    expect(await p.current('web')).toMatchObject({ service: 'web', tiers: {}, total: 0, details: { stackExists: false, decisionId: '' } });
  });

  it('reads the last applied tiers from the stack checkpoint', async () => {
    const p = provisioner();
    const file = path.join(p.paths.backendDir, '.pulumi', 'stacks', 'kinetic-aws', 'web.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const outputs = { service: 'web', decisionId: 'd-7', tiers: { 'cpu/us-east-1/committed': 4, 'cpu/us-east-1/spot': 3 }, asgNames: { 'cpu/us-east-1': 'kinetic-web-cpu' }, groups: {} };
    fs.writeFileSync(file, JSON.stringify({ version: 3, checkpoint: { latest: { resources: [{ urn: 'urn:pulumi:web::kinetic-aws::pulumi:pulumi:Stack::kinetic-aws-web', type: 'pulumi:pulumi:Stack', outputs }] } } }));
    expect(await p.current('web')).toMatchObject({
      tiers: { 'cpu/us-east-1/committed': 4, 'cpu/us-east-1/spot': 3 },
      total: 7,
      details: { stackExists: true, decisionId: 'd-7', asgNames: { 'cpu/us-east-1': 'kinetic-web-cpu' } },
    });
  });
});

describe('pulumi-aws with its state in an S3-compatible bucket', () => {
  it('reads the checkpoint and the journal through the backend, and needs a shared passphrase', async () => {
    const s3 = await startS3Server({ bucket: 'aws-state' });
    vi.stubEnv('AWS_ACCESS_KEY_ID', S3RVER_CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', S3RVER_CREDENTIALS.secretAccessKey);
    vi.stubEnv('PULUMI_CONFIG_PASSPHRASE', undefined);
    vi.stubEnv('PULUMI_CONFIG_PASSPHRASE_FILE', undefined);
    try {
      const backend = `s3://aws-state/team-a/pulumi?endpoint=${encodeURIComponent(s3.endpoint)}&s3ForcePathStyle=true&region=us-east-1`;
      const p = provisioner({ backend });
      expect(p.paths.backendUrl).toContain('s3://aws-state/team-a/pulumi?');
      expect(await p.current('web')).toMatchObject({ tiers: {}, details: { stackExists: false } });
      const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
      const client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
      const outputs = { service: 'web', decisionId: 'd-9', tiers: { 'cpu/us-east-1/spot': 5 }, asgNames: {}, groups: {} };
      const doc = { version: 3, checkpoint: { latest: { resources: [{ urn: 'urn:pulumi:web::kinetic-aws::pulumi:pulumi:Stack::kinetic-aws-web', type: 'pulumi:pulumi:Stack', outputs }] } } };
      await client.send(new PutObjectCommand({ Bucket: 'aws-state', Key: 'team-a/pulumi/.pulumi/stacks/kinetic-aws/web.json', Body: JSON.stringify(doc) }));
      expect(await p.current('web')).toMatchObject({ tiers: { 'cpu/us-east-1/spot': 5 }, total: 5, details: { stackExists: true, decisionId: 'd-9' } });
      // Workers sharing a bucket must share the passphrase: refused before anything runs.
      const err = await p.apply(PLAN).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProvisionError);
      expect((err as ProvisionError).retryable).toBe(false);
      expect((err as Error).message).toMatch(/S3 bucket shared by workers: set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE/);
      expect(p.paths.backendDir).toBe('');
    } finally {
      vi.unstubAllEnvs();
      await s3.close();
    }
  });

  it('refuses a malformed backend URL at construction', () => {
    expect(() => provisioner({ backend: 's3://b/p?endpoint=minio:9000' })).toThrow(/endpoint must be an http:\/\/ or https:\/\/ URL/);
  });
});

describe('pulumi-aws verify', () => {
  it('is ok when every group of every region has its tier sum InService, asking each region for its groups', async () => {
    let polls = 0;
    usEast1 = (req) => {
      if (req.params.NextToken === PAGE_2_TOKEN) return fixture('describe-groups-page-2.xml');
      return fixture(++polls === 1 ? 'describe-groups-converging-page-1.xml' : 'describe-groups-ready-page-1.xml');
    };
    const p = provisioner();
    const beats: unknown[] = [];
    const before = server.requests.length;
    const v = await p.verify(PLAN, { heartbeat: (d) => beats.push(d) });
    expect(v).toMatchObject({ ok: true, expected: 13, healthy: 13, reasons: [] });
    const sent = server.requests.slice(before);
    const eu = sent.filter((r) => r.region === 'eu-west-1');
    expect(eu.length).toBe(1);
    expect(eu[0].params['AutoScalingGroupNames.member.1']).toBe('kinetic-web-cpu');
    expect(eu[0].params['AutoScalingGroupNames.member.2']).toBeUndefined();
    expect(sent.filter((r) => r.region === 'us-east-1').length).toBe(4); // two polls of two pages
    expect(beats).toContainEqual({ region: 'us-east-1', op: 'verify', healthy: 9, expected: 11, polls: 1 });
  });

  it('names the short group and its region when the deadline passes', async () => {
    usEast1 = (req) => fixture(req.params.NextToken === PAGE_2_TOKEN ? 'describe-groups-page-2.xml' : 'describe-groups-converging-page-1.xml');
    const v = await provisioner({ verifyTimeoutMs: 100, verifyPollMs: 30 }).verify(PLAN);
    expect(v.ok).toBe(false);
    expect(v.healthy).toBe(11);
    expect(v.expected).toBe(13);
    expect(v.reasons).toEqual([
      'us-east-1: group kinetic-web-cpu: 7/9 InService+Healthy, 1 pending, 1 unhealthy [i-0c1a000000000008 m6a.large Pending/Healthy; i-0c1a000000000009 m6i.large InService/Unhealthy]',
    ]);
  });

  it('rejects plans it cannot map, without retries', async () => {
    const p = provisioner();
    const err = await p.verify({ ...PLAN, tiers: { default: 3 }, total: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProvisionError);
    expect((err as ProvisionError).retryable).toBe(false);
    expect((err as Error).message).toContain('tiers["default"]: not a pool id');
    const other = await p.verify({ ...PLAN, service: 'api' }).catch((e: unknown) => e);
    expect((other as ProvisionError).retryable).toBe(false);
    expect((other as Error).message).toContain('configured for service "web" but was asked about "api"');
  });

  it('refuses a bad spec at construction', () => {
    expect(() => provisioner({ spec: { ...SPEC, computeTypes: {} } })).toThrow(/computeTypes: add at least one compute type/);
  });
});

describe('pulumi-aws without the AWS plugin', () => {
  it('fails apply, preview and rollback at once with a non-retryable error that says how to install it offline', async () => {
    const p = provisioner({ pulumiBin: path.join(tempRoot(), 'bin', 'pulumi') });
    const version = awsPluginVersion();
    expect(version).toBe('7.48.0');
    for (const run of [() => p.apply(PLAN), () => p.preview(PLAN), () => p.rollback({ service: 'web', tiers: {}, total: 0 })]) {
      const err = await run().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProvisionError);
      expect((err as ProvisionError).retryable).toBe(false);
      expect((err as Error).message).toContain('pulumi-resource-aws 7.48.0) is not installed, and plugin downloads are disabled');
      expect((err as Error).message).toContain(`plugin install resource aws 7.48.0 --file <pulumi-resource-aws-v7.48.0-linux-amd64.tar.gz|binary>`);
      expect((err as Error).message).toContain(path.join(p.paths.pulumiHome, 'plugins', 'resource-aws-v7.48.0'));
    }
    // Nothing reached the engine: no stack was created.
    expect(fs.existsSync(path.join(p.paths.backendDir, '.pulumi'))).toBe(false);
  });

  it('finds an installed plugin in PULUMI_HOME, beside the CLI or on PATH, but not a half-installed one', () => {
    const root = tempRoot();
    const home = path.join(root, 'home');
    const cached = path.join(home, 'plugins', 'resource-aws-v7.48.0');
    const search = { pulumiHome: home, pulumiBin: path.join(root, 'cli', 'pulumi'), pathEnv: path.join(root, 'path-a'), version: '7.48.0' };
    const install = (dir: string) => {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'pulumi-resource-aws'), '#!/bin/sh\n', { mode: 0o755 });
      return path.join(dir, 'pulumi-resource-aws');
    };
    expect(findAwsPlugin(search)).toBeUndefined();
    const inHome = install(cached);
    expect(findAwsPlugin(search)).toBe(inHome);
    fs.writeFileSync(`${cached}.partial`, '');
    expect(findAwsPlugin(search)).toBeUndefined();
    expect(findAwsPlugin({ ...search, version: '7.47.0' })).toBeUndefined();
    expect(findAwsPlugin(search)).toBeUndefined();
    const beside = install(path.join(root, 'cli'));
    expect(findAwsPlugin(search)).toBe(beside);
    fs.rmSync(beside);
    const onPath = install(path.join(root, 'path-a'));
    expect(findAwsPlugin(search)).toBe(onPath);
  });
});

/**
 * Pulumi state on shared storage (issue 12, point 4): `provisioner.backend` pointing at an
 * S3-compatible server (s3rver, test/helpers/s3-server.ts).
 *
 * - A decision through `pulumi-local` end to end with its stack in the bucket: checkpoint, history,
 *   journal and locks are objects there, nothing under the state directory; another root reads the
 *   outputs back through the backend.
 * - Two "hosts": worker B runs in its own UTS + pid namespace (hostname kinetic-host-b, like another
 *   machine) and is SIGKILLed with everything in it while its `pulumi up` holds the stack lock in the
 *   bucket. Worker A (this host, its own state directory) gets the retried apply, finds a lock whose
 *   pid means nothing here, clears it once B's owner record has gone unrenewed for the activity's
 *   heartbeat timeout, and the decision completes.
 */
import { ChildProcess, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../../config/tools';
import { createPulumiLocalProvisioner, processesOfPoolDir } from '../../provisioners/pulumi-local';
import { requireNamespaces, spawnNamespaced } from '../helpers/namespaces';
import { S3RVER_CREDENTIALS, startS3Server, type S3TestServer } from '../helpers/s3-server';
import { createSandbox, flat, serviceConfig, type Sandbox } from '../helpers/sandbox';
import { connectTestTemporal, withWorker, type TestTemporal } from '../helpers/temporal';
import { killLeftovers, waitFor } from './helpers';
import { PORT_BLOCKS, poolPort } from '../helpers/ports';

const TIMEOUTS = { stepSeconds: 60, forecastSeconds: 30, provisionSeconds: 240, heartbeatSeconds: 5, verifySeconds: 60 };
const BUCKET = 'kinetic-pulumi';

let t: TestTemporal;
let s3: S3TestServer;
let client: S3Client;
const children: ChildProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];
const saved: Record<string, string | undefined> = {};

function setEnv(k: string, v: string) {
  if (!(k in saved)) saved[k] = process.env[k];
  process.env[k] = v;
}

beforeAll(async () => {
  requireNamespaces();
  t = await connectTestTemporal();
  s3 = await startS3Server({ bucket: BUCKET });
  client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
  // The workers (in-process and child) and their Pulumi CLIs use the default credential chain; every
  // worker sharing the bucket needs the same passphrase.
  setEnv('AWS_ACCESS_KEY_ID', S3RVER_CREDENTIALS.accessKeyId);
  setEnv('AWS_SECRET_ACCESS_KEY', S3RVER_CREDENTIALS.secretAccessKey);
  setEnv('PULUMI_CONFIG_PASSPHRASE', 'kinetic-s3-backend-test');
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const c of cleanups) await c().catch((e: unknown) => console.error('cleanup failed', e));
  await t?.close();
  await s3?.close();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}, 180_000);

const backendUrl = (prefix: string) => `s3://${BUCKET}/${prefix}?endpoint=${encodeURIComponent(s3.endpoint)}&s3ForcePathStyle=true&region=us-east-1`;

async function keys(prefix: string): Promise<string[]> {
  const r = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (r.Contents ?? []).map((o) => o.Key!.slice(prefix.length)).sort();
}

function poolSandbox(service: string, basePort: number, backend: string): { sb: Sandbox; poolDir: string } {
  const sb = createSandbox('kinetic-s3be-');
  sb.writeConfig({
    [service]: serviceConfig(sb.csv(service, flat(35)), {
      minInstances: 0,
      provisioner: { type: 'pulumi-local', basePort, env: { SAMPLE_CPU_MS: '1' }, backend },
    }),
  });
  const poolDir = path.join(sb.stateRoot, 'pulumi', 'pools', service);
  // Tear the pool down through the same backend and prove nothing of it survived.
  cleanups.push(async () => {
    const p = createPulumiLocalProvisioner({ rootDir: path.join(sb.stateRoot, 'pulumi'), backend, services: { [service]: { basePort } } });
    await p.destroy(service);
    expect(processesOfPoolDir(poolDir)).toEqual([]);
    expect(await killLeftovers(sb.dir)).toBe(0);
    fs.rmSync(sb.dir, { recursive: true, force: true });
  });
  return { sb, poolDir };
}

describe('Pulumi state in an S3-compatible bucket', () => {
  it('a decision through pulumi-local works end to end, its state only in the bucket', async () => {
    const service = 's3-pool';
    const prefix = `e2e-${Date.now()}/state/`;
    const backend = backendUrl(prefix);
    const { sb, poolDir } = poolSandbox(service, poolPort(PORT_BLOCKS.s3Backend, 0), backend);
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision(service, { timeouts: TIMEOUTS });
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(rec.outcome).toBe('committed');
    expect(rec.plan).toMatchObject({ from: 0, to: 4 });
    expect(rec.provisioning).toMatchObject({ provisioner: 'pulumi-local', changed: true });
    expect(rec.verification).toMatchObject({ ok: true, expected: 4, healthy: 4 });
    expect(processesOfPoolDir(poolDir)).toHaveLength(5); // 4 members + the balancer

    const objects = await keys(prefix);
    expect(objects).toContain(`.pulumi/stacks/kinetic-local/${service}.json`);
    expect(objects.some((k) => k.startsWith(`.pulumi/history/kinetic-local/${service}/`))).toBe(true);
    expect(objects).toContain(`.kinetic/journal/kinetic-local/${service}.json`);
    expect(objects.filter((k) => k.startsWith('.pulumi/locks/') || k.startsWith('.kinetic/owners/'))).toEqual([]);
    expect(fs.existsSync(path.join(sb.stateRoot, 'pulumi', 'state'))).toBe(false);

    // Another root (another host's view) reads the stack's outputs through the backend.
    const otherRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-s3be-other-'));
    const elsewhere = createPulumiLocalProvisioner({ rootDir: otherRoot, backend, services: { [service]: { basePort: poolPort(PORT_BLOCKS.s3Backend, 0) } } });
    const v = await elsewhere.verify({ decisionId: rec.id, service, tiers: { default: 4 }, total: 4 });
    expect(v).toMatchObject({ ok: true, expected: 4, healthy: 4 });
    expect(fs.readdirSync(otherRoot)).toEqual([]); // read without the CLI: nothing written there
    fs.rmSync(otherRoot, { recursive: true, force: true });
  });

  it('a stack lock held by a worker killed on another host is cleared and the decision completes', async () => {
    const service = 'xhost-pool';
    const basePort = poolPort(PORT_BLOCKS.s3Backend, 1);
    const prefix = `xhost-${Date.now()}/state/`;
    const backend = backendUrl(prefix);
    const hostB = poolSandbox(service, basePort, backend);
    const hostA = poolSandbox(service, basePort, backend);

    // Worker B: another machine (own hostname and pid namespace); killing it kills all it started.
    const b = spawnNamespaced([process.execPath, '--import', 'tsx', path.join(REPO_ROOT, 'test/fixtures/worker-process.ts')], { hostname: 'kinetic-host-b' }, {
      cwd: REPO_ROOT,
      env: { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TASK_QUEUE: t.taskQueue, KINETIC_CONFIG: hostB.sb.configPath, WORKFLOW_BUNDLE: inject('workflowBundlePath') },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(b);
    await new Promise<void>((resolve, reject) => {
      b.stdout!.on('data', (d: Buffer) => d.toString().includes('worker-ready') && resolve());
      b.once('exit', (code, signal) => reject(new Error(`worker B exited early with ${code ?? signal}`)));
    });
    const s = await t.kinetic.startDecision(service, { timeouts: TIMEOUTS });

    // Kill B while its `pulumi up` holds the stack lock in the bucket.
    await waitFor(
      () => {
        try {
          return execFileSync('pgrep', ['-f', `pulumi up .*--stack ${service}`], { encoding: 'utf8' }).trim() || undefined;
        } catch {
          return undefined; // pgrep exits 1 when nothing matches
        }
      },
      180_000,
      'worker B to run pulumi up',
      50,
    );
    const { lockKey, lock } = await waitFor(
      async () => {
        const key = (await keys(prefix)).find((k) => k.startsWith(`.pulumi/locks/organization/kinetic-local/${service}/`));
        const body = key && (await readObject(prefix + key).catch(() => undefined)); // a short-lived lock may vanish meanwhile
        return body ? { lockKey: key, lock: JSON.parse(body) as { hostname: string; pid: number } } : undefined;
      },
      60_000,
      'the lock of that update',
      20,
    );
    expect(lock.hostname).toBe('kinetic-host-b');
    const exited = new Promise((r) => b.once('exit', r));
    b.kill('SIGKILL');
    await exited;
    const killedAt = Date.now();
    expect((await keys(prefix)).filter((k) => k.startsWith('.pulumi/locks/'))).toEqual([lockKey]); // left behind
    expect((await keys(prefix)).filter((k) => k.startsWith('.kinetic/owners/'))).toHaveLength(1); // B's record, no longer renewed

    // Worker A on this host takes over the retried activity.
    const rec = await withWorker(t, { configPath: hostA.sb.configPath }, () => t.kinetic.waitForDecision(s.decisionId));
    expect(rec.outcome).toBe('committed');
    expect(rec.verification).toMatchObject({ ok: true, expected: 4, healthy: 4 });
    // The state before the decision came from B's journal entry in the bucket, written before it died.
    const journal = JSON.parse(await readObject(`${prefix}.kinetic/journal/kinetic-local/${service}.json`)) as Array<{ decisionId: string; at: string; previous: { tiers: object } }>;
    const entry = journal.find((j) => j.decisionId === s.decisionId);
    expect(Date.parse(entry!.at)).toBeLessThan(killedAt);
    expect(rec.provisioning?.before).toEqual(entry!.previous);
    expect(processesOfPoolDir(hostA.poolDir)).toHaveLength(5);
    expect(processesOfPoolDir(hostB.poolDir)).toEqual([]);
    expect((await keys(prefix)).filter((k) => k.startsWith('.pulumi/locks/') || k.startsWith('.kinetic/owners/'))).toEqual([]);

    // Temporal retried the apply (attempt 2 on A) and the lock was not cleared before B's lease ran out.
    const history = await t.client.workflow.getHandle(s.workflowId, s.runId).fetchHistory();
    const scheduled = history.events!.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'applyCapacity');
    const started = history.events!.find(
      (e) => e.activityTaskStartedEventAttributes && String(e.activityTaskStartedEventAttributes.scheduledEventId) === String(scheduled!.eventId),
    );
    expect(started!.activityTaskStartedEventAttributes!.attempt).toBeGreaterThanOrEqual(2);
    expect(Date.now() - killedAt).toBeGreaterThan(TIMEOUTS.heartbeatSeconds * 1000);
  }, 420_000);
});

async function readObject(key: string): Promise<string> {
  return (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString();
}

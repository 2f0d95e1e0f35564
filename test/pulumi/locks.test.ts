/**
 * Stack-lock handling without the engine, on a file backend and on an S3-compatible one (s3rver):
 * lock objects with live, dead, recycled and foreign holders; the owner-record rule for holders on
 * other hosts; backend URLs.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfig } from '../../config/load';
import type { ActivityIdentity, ProvisionContext } from '../../provisioners/contract';
import { ProvisionError } from '../../provisioners/errors';
import { createStateBackend, parseBackendUrl, type StateBackend } from '../../provisioners/pulumi/backend';
import { listStackLocks, localHolderAlive, parseLockError, pidAlive } from '../../provisioners/pulumi/locks';
import { heartbeatEvery } from '../../provisioners/heartbeat-period';
import { awaitStackLocks, judgeStackLock, type StackLockOptions } from '../../provisioners/pulumi/stack-lock';
import { listOwners, registerOwner, type OwnerRecord } from '../../provisioners/pulumi/stack-owners';
import { S3RVER_CREDENTIALS, startS3Server, type S3TestServer } from '../helpers/s3-server';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-locks-'));
let s3: S3TestServer;
const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

beforeAll(async () => {
  s3 = await startS3Server({ bucket: 'kinetic-state' });
  process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
});
afterAll(async () => {
  await s3?.close();
  for (const [k, v] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  fs.rmSync(root, { recursive: true, force: true });
});

let n = 0;
const backends: Record<string, () => StateBackend> = {
  file: () => createStateBackend(parseBackendUrl(`file://${fs.mkdtempSync(path.join(root, 'state-'))}`, root)),
  s3: () => createStateBackend(parseBackendUrl(`s3://kinetic-state/t${++n}/state?endpoint=${encodeURIComponent(s3.endpoint)}&s3ForcePathStyle=true&region=us-east-1`, root)),
};

const lockKey = (id: string, project = 'proj', stack = 'svc') => `.pulumi/locks/organization/${project}/${stack}/${id}.json`;
const writeLock = (b: StateBackend, id: string, pid: number, hostname = os.hostname(), timestamp = new Date().toISOString(), stack = 'svc') =>
  b.write(lockKey(id, 'proj', stack), JSON.stringify({ pid, username: 'u', hostname, timestamp }));

const activity = (over: Partial<ActivityIdentity> = {}): ActivityIdentity => ({
  workflowId: 'scale-web',
  runId: 'run-1',
  activityId: '7',
  activityType: 'applyCapacity',
  attempt: 2,
  heartbeatTimeoutMs: 5_000,
  ...over,
});
const ctxOf = (a?: ActivityIdentity): ProvisionContext => ({ heartbeat: () => undefined, activity: a });

describe.each(Object.keys(backends))('stack locks on a %s backend', (kind) => {
  it('tells live, dead, recycled and foreign holders apart', async () => {
    const b = backends[kind]();
    const live = spawn('sleep', ['30'], { stdio: 'ignore' });
    const dead = spawn('sleep', ['30'], { stdio: 'ignore' });
    dead.kill('SIGKILL');
    await new Promise((r) => dead.once('exit', r));
    try {
      await writeLock(b, 'live', live.pid as number);
      await writeLock(b, 'dead', dead.pid as number);
      // A live pid that started after the lock was written is not its holder (a recycled pid).
      await writeLock(b, 'recycled', live.pid as number, os.hostname(), new Date(Date.now() - 3_600_000).toISOString());
      await writeLock(b, 'foreign', 1, 'another-host');
      await writeLock(b, 'other-stack', dead.pid as number, os.hostname(), undefined, 'other');
      const locks = await listStackLocks(b, 'proj', 'svc');
      expect(locks.map((l) => [path.basename(l.key), l.alive, l.local]).sort()).toEqual([
        ['dead.json', false, true],
        ['foreign.json', true, false], // cannot be checked from here: live until an owner record says otherwise
        ['live.json', true, true],
        ['recycled.json', false, true],
      ]);
      expect(locks.find((l) => l.key.endsWith('live.json'))!.file).toBe(b.where(lockKey('live')));
      expect(await listStackLocks(b, 'other-project', 'svc')).toEqual([]);

      const cleared: string[] = [];
      const o: StackLockOptions = {
        tag: 't',
        backend: b,
        projectName: 'proj',
        stackName: 'svc',
        lockTimeoutMs: 300,
        lockPollMs: 50,
        heartbeatIntervalMs: 0,
        log: (l) => cleared.push(l),
        pendingOperations: async () => 0,
      };
      const err = await awaitStackLocks(o, ctxOf()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProvisionError);
      expect((err as ProvisionError).retryable).toBe(true);
      expect((err as Error).message).toMatch(/still locked after 300 ms: /);
      expect((err as Error).message).toMatch(/live\.json: pid \d+@\S+ is running/);
      expect((err as Error).message).toMatch(/foreign\.json: pid 1@another-host on another host, with no Kinetic run recorded for it/);
      expect(cleared.filter((l) => l.includes('cleared stale lock')).length).toBe(2);
      expect((await listStackLocks(b, 'proj', 'svc')).map((l) => path.basename(l.key)).sort()).toEqual(['foreign.json', 'live.json']);
      expect((await b.list('.pulumi/locks/')).map((o) => path.basename(o.key))).toContain('other-stack.json'); // another stack's lock is not ours to judge
    } finally {
      live.kill('SIGKILL');
    }
  });

  it('clears a foreign lock once its owner record stops renewing, and only then', async () => {
    const b = backends[kind]();
    // A worker on host-b runs attempt 1 of applyCapacity: its owner record, then its CLI's lock.
    const record: OwnerRecord = {
      id: 'host-b-4100-0a1b2c',
      host: 'host-b',
      pid: 4100,
      op: 'up',
      project: 'proj',
      stack: 'svc',
      activity: activity({ attempt: 1, heartbeatTimeoutMs: 900 }),
      leaseMs: 900,
      startedAt: new Date(Date.now() - 1_000).toISOString(),
      renewedAt: new Date().toISOString(),
    };
    const key = `.kinetic/owners/proj/svc/${record.id}.json`;
    await b.write(key, JSON.stringify(record));
    await writeLock(b, 'held', 4242, 'host-b');
    const [lock] = await listStackLocks(b, 'proj', 'svc');
    let owners = await listOwners(b, 'proj', 'svc');
    expect(owners.map((o) => o.id)).toEqual([record.id]);

    // Renewed just now: live for attempt 2, for a call outside any activity, for another workflow.
    expect(judgeStackLock(lock, owners, ctxOf(activity())).stale).toBe(false);
    expect(judgeStackLock(lock, owners, ctxOf()).stale).toBe(false);

    // The worker dies: no renewal for longer than the lease (its heartbeat timeout).
    await b.write(key, JSON.stringify({ ...record, renewedAt: new Date(Date.now() - 5_000).toISOString() }));
    owners = (await listOwners(b, 'proj', 'svc')).map((o) => ({ ...o, modifiedMs: Date.now() - 5_000 }));
    const retry = judgeStackLock(lock, owners, ctxOf(activity({ attempt: 2 })));
    expect(retry).toMatchObject({ stale: true });
    expect(retry.why).toMatch(/up by worker pid 4100@host-b \(applyCapacity attempt 1 of scale-web\) stopped renewing 5 s ago \(lease 1 s\); Temporal has retried it as attempt 2/);
    // The same attempt (or a later one) is never judged a dead earlier attempt.
    expect(judgeStackLock(lock, owners, ctxOf(activity({ attempt: 1 }))).stale).toBe(false);
    // The saga's next step (rollback after apply gave up) of the same run.
    expect(judgeStackLock(lock, owners, ctxOf(activity({ activityId: '9', activityType: 'rollbackCapacity', attempt: 1 }))).why).toMatch(/saga has moved on to rollbackCapacity/);
    // A record written after the lock was taken belongs to another run: no match, live.
    const late = owners.map((o) => ({ ...o, startedAt: new Date(Date.parse(lock.timestamp) + 60_000).toISOString() }));
    expect(judgeStackLock(lock, late, ctxOf(activity())).stale).toBe(false);
    // A record of another host does not speak for host-b's lock.
    expect(judgeStackLock(lock, owners.map((o) => ({ ...o, host: 'host-c' })), ctxOf(activity())).stale).toBe(false);

    const logs: string[] = [];
    const cleared = await awaitStackLocks(
      { tag: 't', backend: b, projectName: 'proj', stackName: 'svc', lockTimeoutMs: 5_000, lockPollMs: 50, heartbeatIntervalMs: 0, log: (l) => logs.push(l), pendingOperations: async () => 0 },
      ctxOf(activity()),
    );
    expect(cleared).toBe(true);
    expect(await listStackLocks(b, 'proj', 'svc')).toEqual([]);
    expect(await listOwners(b, 'proj', 'svc')).toEqual([]); // the dead worker's record goes with its lock
    expect(logs.join('\n')).toMatch(/cleared stale lock .*held\.json.*stopped renewing/);
  });

  it('keeps renewing the owner record while the run lasts and removes it at the end', async () => {
    const b = backends[kind]();
    const owner = await registerOwner(b, { project: 'proj', stack: 'svc', op: 'up', activity: activity({ heartbeatTimeoutMs: 900 }) });
    const first = owner.record.renewedAt;
    await new Promise((r) => setTimeout(r, 700));
    const [now] = await listOwners(b, 'proj', 'svc');
    expect(Date.parse(now.renewedAt)).toBeGreaterThan(Date.parse(first));
    await owner.close();
    expect(await listOwners(b, 'proj', 'svc')).toEqual([]);
  });
});

describe('locks and processes', () => {
  it('pid checks: this process lives, pid 0 does not, a lock older than the process is not its', () => {
    expect(pidAlive(process.pid)).toBe(true);
    expect(pidAlive(0)).toBe(false);
    expect(localHolderAlive(process.pid, new Date().toISOString())).toBe(true);
    expect(localHolderAlive(process.pid, '2001-01-01T00:00:00Z')).toBe(false);
  });

  it('parses the holders out of a ConcurrentUpdateError message', () => {
    const msg =
      'error: the stack is currently locked by 2 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n' +
      '  file:///s/.pulumi/locks/organization/p/s/a.json: created by root@vm (pid 4242) at 2026-11-22T19:00:00Z\n' +
      '  s3://b/p/.pulumi/locks/organization/p/s/b.json: created by ci bot@host-2 (pid 7) at 2026-11-22T19:00:01Z\n';
    expect(parseLockError(msg)).toEqual([
      { url: 'file:///s/.pulumi/locks/organization/p/s/a.json', username: 'root', hostname: 'vm', pid: 4242 },
      { url: 's3://b/p/.pulumi/locks/organization/p/s/b.json', username: 'ci bot', hostname: 'host-2', pid: 7 },
    ]);
  });
});

describe('backend URLs', () => {
  it('file:// paths: absolute, home, relative to the base directory', () => {
    expect(parseBackendUrl('file:///var/lib/k', '/base')).toEqual({ kind: 'file', url: 'file:///var/lib/k', dir: '/var/lib/k' });
    expect(parseBackendUrl('file://./shared/state', '/base')).toMatchObject({ dir: '/base/shared/state', url: 'file:///base/shared/state' });
    expect(parseBackendUrl('file://~/k', '/base')).toMatchObject({ dir: path.join(os.homedir(), 'k') });
  });

  it('s3:// with an S3-compatible endpoint: bucket, prefix, path style, region, checksum mode added', () => {
    const spec = parseBackendUrl('s3://state-bucket/kinetic/pulumi/?endpoint=http://127.0.0.1:9000&s3ForcePathStyle=true&region=eu-west-1', '/base');
    expect(spec).toMatchObject({ kind: 's3', bucket: 'state-bucket', prefix: 'kinetic/pulumi/', endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1', forcePathStyle: true });
    const q = new URL(spec.url).searchParams;
    expect([q.get('endpoint'), q.get('s3ForcePathStyle'), q.get('region'), q.get('request_checksum_calculation'), q.get('response_checksum_validation')]).toEqual([
      'http://127.0.0.1:9000',
      'true',
      'eu-west-1',
      'when_required',
      'when_required',
    ]);
    // AWS itself: no endpoint, nothing added.
    const aws = parseBackendUrl('s3://state-bucket?region=us-east-2', '/base');
    expect(aws).toMatchObject({ bucket: 'state-bucket', prefix: '', forcePathStyle: false, region: 'us-east-2', url: 's3://state-bucket?region=us-east-2' });
  });

  it('provisioner.backend in kinetic.yaml: checked, with the field named', () => {
    const yaml = (backend: string) =>
      stringify({
        version: 1,
        services: {
          web: {
            metrics: { source: 'csv', path: 'm.csv' },
            capacityPerInstance: 10,
            minInstances: 1,
            maxInstances: 5,
            pricing: { hourlyPerInstance: 0.1 },
            budget: { monthly: 1000 },
            provisioner: { type: 'pulumi-local', backend },
          },
        },
      });
    const ok = parseConfig(yaml('s3://state/kinetic?endpoint=http://minio:9000&s3ForcePathStyle=true&region=eu-west-1'), '/etc/kinetic/kinetic.yaml');
    expect(ok.services.web.provisioner).toMatchObject({ type: 'pulumi-local', backend: 's3://state/kinetic?endpoint=http://minio:9000&s3ForcePathStyle=true&region=eu-west-1' });
    expect(() => parseConfig(yaml('s3://state/kinetic?endpoint=minio:9000'), '/etc/kinetic/kinetic.yaml')).toThrow(/services\.web\.provisioner\.backend: .*endpoint must be an http:\/\/ or https:\/\/ URL/);
  });

  it('names what is wrong', () => {
    expect(() => parseBackendUrl('s3://b/p?endpoint=http://x&forcePathStyle=true', '/')).toThrow(/unknown query parameter "forcePathStyle" \(allowed: endpoint, region, s3ForcePathStyle/);
    expect(() => parseBackendUrl('s3://b/p?endpoint=127.0.0.1:9000', '/')).toThrow(/endpoint must be an http:\/\/ or https:\/\/ URL/);
    expect(() => parseBackendUrl('s3://b/p?s3ForcePathStyle=yes', '/')).toThrow(/s3ForcePathStyle must be true or false/);
    expect(() => parseBackendUrl('gs://b/p', '/')).toThrow(/use file:\/\/<directory> or s3:\/\/<bucket>\/<prefix>/);
    expect(() => parseBackendUrl('file://', '/')).toThrow(/give a directory/);
  });
});

describe('heartbeatEvery (the timer that covers a repair refresh and sparse engine events)', () => {
  it('beats at most every third of the heartbeat timeout, never faster than 100 ms; 0 stays off', () => {
    expect(heartbeatEvery(5_000, 5_000)).toBe(1_666);
    expect(heartbeatEvery(5_000, 60_000)).toBe(5_000);
    expect(heartbeatEvery(5_000, undefined)).toBe(5_000);
    expect(heartbeatEvery(5_000, 120)).toBe(100);
    expect(heartbeatEvery(0, 5_000)).toBe(0);
  });
});

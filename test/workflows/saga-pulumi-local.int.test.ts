import { ChildProcess, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPulumiLocalProvisioner, processesOfPoolDir } from '../../provisioners/pulumi-local';
import { bookOf } from '../helpers/budget';
import { FileAuditLog } from '../../store/audit';
import { createSandbox, flat, Sandbox, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, TestTemporal, withWorker } from '../helpers/temporal';
import { startWorkerProcess } from '../helpers/worker-process';
import { PORT_BLOCKS, poolPort } from '../helpers/ports';

const PORTS = PORT_BLOCKS.sagaPulumiLocal;

/**
 * The saga through the real Pulumi engine and real processes (issue 3): scale-out, failed
 * verification with rollback, and a worker killed during `pulumi up`.
 */
const TIMEOUTS = { stepSeconds: 60, forecastSeconds: 30, provisionSeconds: 120, heartbeatSeconds: 10, verifySeconds: 60 };

let t: TestTemporal;
const sandboxes: Array<{ sb: Sandbox; service: string }> = [];
const children: ChildProcess[] = [];
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  // Tear every pool down and prove no sample-service process survived.
  for (const { sb, service } of sandboxes) {
    const pool = createPulumiLocalProvisioner({ rootDir: join(sb.stateRoot, 'pulumi') });
    await pool.destroy(service).catch(() => undefined);
    expect(processesOfPoolDir(join(pool.paths.poolsRoot, service))).toEqual([]);
  }
  await t?.close();
}, 180_000);

function poolSandbox(service: string, basePort: number, extra: Record<string, unknown> = {}) {
  const sb = createSandbox('kinetic-pulumi-');
  sandboxes.push({ sb, service });
  sb.writeConfig({
    [service]: serviceConfig(sb.csv(service, flat(35)), {
      minInstances: 0,
      provisioner: { type: 'pulumi-local', basePort, env: { SAMPLE_CPU_MS: '1' }, ...extra },
    }),
  });
  const poolDir = join(sb.stateRoot, 'pulumi', 'pools', service);
  return { sb, poolDir, members: () => processesOfPoolDir(poolDir).length };
}

describe('saga through pulumi-local', () => {
  it('scales out a real pool: members start, answer /healthz, the balancer sees them', async () => {
    const { sb, members } = poolSandbox('pool-a', poolPort(PORTS, 0));
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision('pool-a', { timeouts: TIMEOUTS });
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(rec.outcome).toBe('committed');
    expect(rec.plan).toMatchObject({ from: 0, to: 4 });
    expect(rec.provisioning).toMatchObject({ provisioner: 'pulumi-local', changed: true });
    expect(rec.verification).toMatchObject({ ok: true, expected: 4, healthy: 4 });
    expect(members()).toBe(5); // 4 members + the balancer
    const lb = JSON.parse(execFileSync('curl', ['-s', `http://127.0.0.1:${poolPort(PORTS, 0) - 1}/lb/members`], { encoding: 'utf8' }));
    expect(lb.members.filter((m: { healthy: boolean }) => m.healthy)).toHaveLength(4);
  });

  it('failed verification rolls the real pool back to its previous size, budget released', async () => {
    const { sb, members } = poolSandbox('pool-b', poolPort(PORTS, 1), { env: { SAMPLE_FAIL_HEALTH: '1' } });
    const [rec, book] = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision('pool-b', { timeouts: { ...TIMEOUTS, verifySeconds: 20 } });
      return [await t.kinetic.waitForDecision(s.decisionId), await bookOf(t, 'pool:pool-b')] as const;
    });
    expect(rec.outcome).toBe('rolled-back');
    expect(rec.verification?.ok).toBe(false);
    expect(rec.compensation.map((c) => [c.step, c.ok])).toEqual([['rollback capacity', true], ['release budget', true]]);
    expect(members()).toBeLessThanOrEqual(1); // back to 0 members (the balancer may remain)
    expect(book.reservations).toEqual([]);
  });

  it('a worker SIGKILLed during `pulumi up`: the decision completes once, no lock, no orphans', async () => {
    const { sb, poolDir, members } = poolSandbox('pool-c', poolPort(PORTS, 2));
    const startWorker = () => startWorkerProcess(t.taskQueue, sb.configPath, children);
    const first = await startWorker();
    const s = await t.kinetic.startDecision('pool-c', { timeouts: { ...TIMEOUTS, heartbeatSeconds: 5 } });
    // Kill as soon as `pulumi up` for this stack is running.
    const deadline = Date.now() + 90_000;
    for (;;) {
      let ups = '';
      try {
        ups = execFileSync('pgrep', ['-f', 'pulumi up .*--stack pool-c'], { encoding: 'utf8' }).trim();
      } catch {
        /* pgrep exits 1 when nothing matches */
      }
      if (ups) break;
      if (Date.now() > deadline) throw new Error('pulumi up never started');
      await new Promise((r) => setTimeout(r, 100));
    }
    first.kill('SIGKILL');
    await startWorker();
    const rec = await t.kinetic.waitForDecision(s.decisionId);
    expect(rec.outcome).toBe('committed');
    expect(rec.verification).toMatchObject({ ok: true, expected: 4, healthy: 4 });
    expect(members()).toBe(5); // exactly 4 members + balancer: no duplicates, no orphans
    expect((await new FileAuditLog(sb.stateRoot).all()).filter((r) => r.id === s.decisionId)).toHaveLength(1);
    const locks = join(sb.stateRoot, 'pulumi', 'state', '.pulumi', 'locks');
    const lockFiles = (() => {
      try {
        return execFileSync('find', [locks, '-name', '*.json'], { encoding: 'utf8' }).trim();
      } catch {
        return '';
      }
    })();
    expect(lockFiles).toBe('');
    expect(poolDir).toBeTruthy();
  });
});

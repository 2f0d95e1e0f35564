import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultInjectingProvisioner } from '../../provisioners/fault-injecting';
import { FileAuditLog } from '../../store/audit';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, TestTemporal } from '../helpers/temporal';
import { startWorkerProcess } from '../helpers/worker-process';

let t: TestTemporal;
const children: ChildProcess[] = [];
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await t?.close();
});

describe('durability', () => {
  it('a worker SIGKILLed mid-provisioning: a new worker finishes the decision exactly once', async () => {
    const sb = createSandbox();
    sb.writeConfig({
      webdurable: serviceConfig(sb.csv('webdurable', flat(55)), { provisioner: { type: 'fault-injecting', initialInstances: 2, applyDelayMs: 3000 } }),
    });
    const fleet = new FaultInjectingProvisioner(
      { stateRoot: sb.stateRoot, initialInstances: 2 },
      { failApplyAfterPartial: false, failVerify: false, applyDelayMs: 0 },
    );
    const first = await startWorkerProcess(t.taskQueue, sb.configPath, children);
    const started = await t.kinetic.startDecision('webdurable', {
      timeouts: { stepSeconds: 10, forecastSeconds: 20, provisionSeconds: 30, heartbeatSeconds: 2, verifySeconds: 10 },
    });
    const deadline = Date.now() + 30_000;
    while (!fleet.readFleet('webdurable').applyStarted.includes(started.decisionId)) {
      if (Date.now() > deadline) throw new Error('apply never started');
      await new Promise((r) => setTimeout(r, 50));
    }
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    expect(fleet.readFleet('webdurable').history).toEqual([]); // killed before the change landed

    await startWorkerProcess(t.taskQueue, sb.configPath, children);
    const rec = await t.kinetic.waitForDecision(started.decisionId);
    expect(rec.outcome).toBe('committed');
    const after = fleet.readFleet('webdurable');
    expect(after.tiers).toEqual({ default: 6 });
    expect(after.history.filter((h) => h.kind === 'apply')).toHaveLength(1);
    expect((await new FileAuditLog(sb.stateRoot).all()).filter((r) => r.id === started.decisionId)).toHaveLength(1);
  });
});

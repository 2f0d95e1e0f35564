import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../../config/tools';
import { kineticDecisions, kineticEncryption, kineticLearning } from '../../plugins';
import { budgetTaskQueue } from '../../workflows/budget-definitions';
import { SA_SERVICE } from '../../workflows/definitions';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, type TestTemporal } from '../helpers/temporal';

let t: TestTemporal;
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => t?.close());

describe('Kinetic as Temporal plugins in a user worker', () => {
  it("runs the user's workflow and a Kinetic decision from one bundle, with the budget worker", async () => {
    const sb = createSandbox();
    sb.writeConfig({ plugsvc: serviceConfig(sb.csv('plugsvc', flat(55))) });
    const worker = await Worker.create({
      connection: t.nativeConnection,
      taskQueue: t.taskQueue,
      workflowsPath: join(REPO_ROOT, 'test/fixtures/plugins/user-workflows.ts'),
      activities: { shout: async (s: string) => s.toUpperCase() },
      plugins: [kineticDecisions({ config: sb.configPath })],
    });
    const [greeting, record, budgetPollers] = await worker.runUntil(async () => {
      const greeting = await t.client.workflow.execute('greet', { taskQueue: t.taskQueue, workflowId: `greet-${randomBytes(4).toString('hex')}`, args: ['kinetic'] });
      const started = await t.kinetic.startDecision('plugsvc', { timeouts: FAST_TIMEOUTS });
      const record = await t.kinetic.waitForDecision(started.decisionId);
      const desc = await t.client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: budgetTaskQueue(t.taskQueue) }, taskQueueType: 1 });
      return [greeting, record, desc.pollers ?? []] as const;
    });
    expect(greeting).toBe('hello KINETIC');
    expect(record.outcome).toBe('committed');
    expect(record.budget).toMatchObject({ allowed: true, reserved: true });
    // The budget authorities' worker was started by the plugin on `<queue>-budget`.
    expect(budgetPollers.some((p) => p.identity?.endsWith('/budget'))).toBe(true);
    const desc = await t.client.workflow.getHandle(record.workflowId, record.runId).describe();
    expect(desc.typedSearchAttributes.get(SA_SERVICE)).toBe('plugsvc');
    expect(worker.getState()).toBe('STOPPED');
  });

  it('kineticLearning without kineticDecisions is refused, naming the fix', async () => {
    await expect(
      Worker.create({ connection: t.nativeConnection, taskQueue: t.taskQueue, plugins: [kineticLearning()] }),
    ).rejects.toThrow('kineticLearning needs kineticDecisions in the same plugins list');
  });

  it('an encryption: config without kineticEncryption is refused; with it first, the worker is created', async () => {
    const sb = createSandbox();
    writeFileSync(join(sb.dir, 'history.keys'), `k-2026:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    sb.writeConfig({ encsvc: serviceConfig(sb.csv('encsvc', flat(5))) }, { encryption: { keys: { file: 'history.keys' } } });
    const base = { connection: t.nativeConnection, taskQueue: t.taskQueue, workflowBundle: { codePath: inject('workflowBundlePath') } };
    await expect(Worker.create({ ...base, plugins: [kineticDecisions({ config: sb.configPath })] })).rejects.toThrow(
      'add kineticEncryption({ config }) before kineticDecisions',
    );
    const w = await Worker.create({ ...base, plugins: [kineticEncryption({ config: sb.configPath }), kineticDecisions({ config: sb.configPath })] });
    expect(w.options.dataConverter?.payloadCodecs).toHaveLength(1);
    await w.runUntil(async () => undefined);
  });
});

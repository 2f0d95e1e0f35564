import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileAuditLog } from '../../store/audit';
import { controlLoop, loopStatusQuery, loopWorkflowId } from '../../workflows/control-loop';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';

let t: TestTemporal;
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => t?.close());

const FAST_MODELS = { models: ['naive', 'seasonalNaive', 'ewma'] };

async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('control loop and a running decision', () => {
  it('waits for a decision that is already running instead of starting a second one', async () => {
    const sb = createSandbox();
    // 2 → 6 is beyond the auto-approve step of 2: the first decision waits for a person.
    sb.writeConfig({ queuebusy: serviceConfig(sb.csv('queuebusy', flat(55, 40)), { learning: FAST_MODELS, approval: { autoApprove: { maxStepChange: 2 }, approvers: ['alice@example.com'], timeout: '1m' } }) });
    const workflowId = `${loopWorkflowId('queuebusy')}-${t.taskQueue}`;
    const final = await withWorker(t, { configPath: sb.configPath }, async () => {
      const manual = await t.kinetic.startDecision('queuebusy', { timeouts: FAST_TIMEOUTS });
      await until('manual decision waits for approval', async () => { const r = await t.kinetic.getDecision(manual.decisionId); if (r.outcome) throw new Error(JSON.stringify(r)); return r.stage === 'approval'; });
      const h = await t.client.workflow.start(controlLoop, {
        workflowId,
        taskQueue: t.taskQueue,
        args: [{ service: 'queuebusy', intervalSeconds: 8, maxIterations: 1, observeTimeoutSeconds: 20, decisionTimeouts: FAST_TIMEOUTS }],
      });
      await until('loop observed', async () => (await h.query(loopStatusQuery)).lastObservation !== undefined);
      await new Promise((r) => setTimeout(r, 1500)); // the loop is now retrying the start
      expect((await h.query(loopStatusQuery)).decisionsStarted).toBe(0);
      await t.kinetic.approve(manual.decisionId, 'alice@example.com');
      expect((await t.kinetic.waitForDecision(manual.decisionId)).outcome).toBe('committed');
      return h.result();
    });
    // Once the running decision closed, the loop's decision started: it found the fleet already right.
    expect(final.decisionsStarted).toBe(1);
    expect(final.recent).toHaveLength(1);
    expect(final.recent[0]).toMatchObject({ action: 'decision', outcome: 'no-change' });
    const ledger = await new FileAuditLog(sb.stateRoot).all();
    expect(ledger.map((r) => [r.trigger.kind, r.outcome])).toEqual([
      ['api', 'committed'],
      ['control-loop', 'no-change'],
    ]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalRefusedError } from '../../client';
import { FileAuditLog } from '../../store/audit';
import { expectReplays } from '../helpers/replay';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';

let t: TestTemporal;
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => t?.close());

async function waitForStage(id: string, stage: string) {
  for (let i = 0; i < 300; i++) {
    if ((await t.kinetic.getDecision(id)).stage === stage) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${id} never reached stage ${stage}: ${JSON.stringify(await t.kinetic.getDecision(id)).slice(0, 600)}`);
}

describe('an answer to a decision that is not waiting for approval', () => {
  it('is refused as not-waiting and recorded in the decision and the audit log', async () => {
    const sb = createSandbox();
    // 2 → 6 within the auto-approve bounds; the apply takes 4 s, long enough to answer meanwhile.
    sb.writeConfig({
      'notwaiting-svc': serviceConfig(sb.csv('notwaiting-svc', flat(55)), {
        approval: { approvers: ['alice@example.com'], autoApprove: { maxStepChange: 10 } },
        provisioner: { type: 'fault-injecting', initialInstances: 2, applyDelayMs: 4000 },
      }),
    });
    const [err, rec] = await withWorker(t, { configPath: sb.configPath }, async () => {
      const { decisionId } = await t.kinetic.startDecision('notwaiting-svc', { timeouts: FAST_TIMEOUTS });
      await waitForStage(decisionId, 'provision');
      const e = await t.kinetic.approve(decisionId, 'alice@example.com').then(
        () => undefined,
        (x: unknown) => x,
      );
      return [e, await t.kinetic.waitForDecision(decisionId)] as const;
    });
    expect(err).toBeInstanceOf(ApprovalRefusedError);
    expect((err as ApprovalRefusedError).reason).toBe('not-waiting');
    expect(rec.outcome).toBe('committed');
    expect(rec.approval?.mode).toBe('auto');
    const attempt = { action: 'approve', claimed: 'alice@example.com', accepted: false, reason: 'not-waiting' };
    expect(rec.approval?.attempts).toEqual([expect.objectContaining(attempt)]);
    expect(rec.approval?.attempts?.[0].message).toMatch(/is not waiting for approval \(stage: provision\)/);
    const audited = await new FileAuditLog(sb.stateRoot).find(rec.id);
    expect(audited?.approval?.attempts).toEqual([expect.objectContaining(attempt)]);
    await expectReplays(t, rec.workflowId, rec.runId);
  }, 60_000);
});

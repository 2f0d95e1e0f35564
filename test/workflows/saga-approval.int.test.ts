import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DryRunProvisioner } from '../../provisioners/dry-run';
import { ApprovalRefusedError } from '../../client';
import { bookOf } from '../helpers/budget';
import { currentStepQuery } from '../../workflows/definitions';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';

let t: TestTemporal;
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => t?.close());

/** A service whose 2 → 6 scale-out exceeds the auto-approve step of 1, so a person must decide. */
function manualApprovalSandbox(timeout = '30s') {
  const sb = createSandbox();
  sb.writeConfig({
    webapproval: serviceConfig(sb.csv('webapproval', flat(55)), {
      approval: { autoApprove: { maxStepChange: 1 }, approvers: ['alice@example.com', 'bob@example.com'], timeout },
    }),
  });
  return sb;
}

async function waitForStage(decisionId: string, stage: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const rec = await t.kinetic.getDecision(decisionId).catch(() => undefined);
    if (rec?.stage === stage) return rec;
    if (Date.now() > deadline) throw new Error(`decision never reached ${stage} (at ${rec?.stage})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const fleet = async (root: string) => (await new DryRunProvisioner({ stateRoot: root, initialInstances: 2 }).current('webapproval')).total;

describe('manual approval through Temporal Updates', () => {
  it('a listed approver approves; an unlisted identity is refused, and the refusal is recorded', async () => {
    const sb = manualApprovalSandbox();
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision('webapproval', { timeouts: FAST_TIMEOUTS });
      const waiting = await waitForStage(s.decisionId, 'approval');
      expect(waiting.approval).toMatchObject({ mode: 'manual' });
      expect(waiting.approval?.reasons[0]).toMatch(/above the auto-approve limit of 1/);
      const err = await t.kinetic.approve(s.decisionId, 'mallory@example.com').catch((e) => e);
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(String(err.cause?.message)).toMatch(/"mallory@example.com" may not approve decisions of webapproval/);
      expect(err).toBeInstanceOf(ApprovalRefusedError);
      expect(err.reason).toBe('not-an-approver');
      // Still waiting, and the refused attempt is in the record (issue 14).
      const h = t.client.workflow.getHandle('scale-webapproval');
      expect(await h.query(currentStepQuery)).toBe('approval');
      expect((await t.kinetic.getDecision(s.decisionId)).approval?.attempts).toMatchObject([
        { action: 'approve', identity: 'mallory@example.com', verified: false, accepted: false, reason: 'not-an-approver' },
      ]);
      const after = await t.kinetic.approve(s.decisionId, 'bob@example.com', 'planned sale');
      expect(after.approval).toMatchObject({ decision: 'approved', decidedBy: 'bob@example.com' });
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(rec.outcome).toBe('committed');
    expect(rec.approval).toMatchObject({ mode: 'manual', decision: 'approved', decidedBy: 'bob@example.com', comment: 'planned sale' });
    expect(rec.approval?.attempts?.map((a) => [a.identity, a.accepted])).toEqual([
      ['mallory@example.com', false],
      ['bob@example.com', true],
    ]);
    expect(await fleet(sb.stateRoot)).toBe(6);
  });

  it('a rejection ends the decision, releases the reservation and provisions nothing', async () => {
    const sb = manualApprovalSandbox();
    const [rec, book] = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision('webapproval', { timeouts: FAST_TIMEOUTS });
      await waitForStage(s.decisionId, 'approval');
      expect((await bookOf(t, 'pool:webapproval')).reservations.map((r) => r.decisionId)).toContain(s.decisionId);
      await t.kinetic.reject(s.decisionId, 'alice@example.com', 'not during the freeze');
      return [await t.kinetic.waitForDecision(s.decisionId), await bookOf(t, 'pool:webapproval')] as const;
    });
    expect(rec.outcome).toBe('approval-rejected');
    expect(rec.reason).toBe('rejected by alice@example.com: not during the freeze');
    expect(rec.budget).toMatchObject({ reserved: true, released: true });
    expect(rec.provisioning).toBeUndefined();
    expect(book.reservations).toEqual([]);
    expect(book.closed.find((c) => c.decisionId === rec.id)).toMatchObject({ as: 'released' });
    expect(await fleet(sb.stateRoot)).toBe(2);
  });

  it('no answer within the timeout rejects', async () => {
    const sb = manualApprovalSandbox('1s');
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision('webapproval', { timeouts: FAST_TIMEOUTS });
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(rec.outcome).toBe('approval-timeout');
    expect(rec.approval?.decision).toBe('timeout');
    expect(rec.budget?.released).toBe(true);
    expect(await fleet(sb.stateRoot)).toBe(2);
    // Approving a closed decision is an error that says so.
    await expect(t.kinetic.approve(rec.id, 'alice@example.com')).rejects.toThrow();
  });
});

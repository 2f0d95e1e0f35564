import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DryRunProvisioner } from '../../provisioners/dry-run';
import { FileAuditLog } from '../../store/audit';
import { bookOf } from '../helpers/budget';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';
import { expectReplays } from '../helpers/replay';

let t: TestTemporal;
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => t?.close());

/** 2 → 6 instances, above the auto-approve step of 1: the decision waits for alice. */
function waitingSandbox(service: string, approval: Record<string, unknown> = {}) {
  const sb = createSandbox();
  sb.writeConfig({
    [service]: serviceConfig(sb.csv(service, flat(55)), { approval: { autoApprove: { maxStepChange: 1 }, approvers: ['alice@example.com'], timeout: '60s', ...approval } }),
  });
  return sb;
}

async function waitForApproval(id: string) {
  for (let i = 0; i < 300; i++) {
    if ((await t.kinetic.getDecision(id)).stage === 'approval') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${id} never waited for approval`);
}

describe('a plan approved after a wait is re-checked before it is applied', () => {
  it('the fleet changed while waiting: re-proposed, nothing applied, reservation released', async () => {
    const sb = waitingSandbox('recheck-fleet');
    const fleetFile = new DryRunProvisioner({ stateRoot: sb.stateRoot, initialInstances: 2 });
    const [rec, book] = await withWorker(t, { configPath: sb.configPath }, async () => {
      const { decisionId } = await t.kinetic.startDecision('recheck-fleet', { timeouts: FAST_TIMEOUTS });
      await waitForApproval(decisionId);
      // Someone else moved the fleet to 4 while the decision waited.
      await fleetFile.apply({ decisionId: 'by-hand', service: 'recheck-fleet', tiers: { default: 4 }, total: 4 });
      await t.kinetic.approve(decisionId, 'alice@example.com');
      return [await t.kinetic.waitForDecision(decisionId), await bookOf(t, 'pool:recheck-fleet')] as const;
    });
    expect(rec.outcome).toBe('re-proposed');
    expect(rec.reason).toMatch(/^plan re-proposed: fleet changed from 2 to 4 instances while waiting for approval; the approved 2 → 6 was not applied/);
    expect(rec.approval).toMatchObject({ decision: 'approved', decidedBy: 'alice@example.com' });
    expect(rec.reason).toMatch(/new proposal 4 → 6/);
    expect(rec.recheck).toMatchObject({ ok: false, fleetTotal: 4, proposal: { from: 4, to: 6, direction: 'out' } });
    expect(rec.provisioning).toBeUndefined();
    expect(fleetFile.readFleet('recheck-fleet').tiers).toEqual({ default: 4 });
    expect(rec.budget?.released).toBe(true);
    expect(book.reservations).toEqual([]);
    expect((await new FileAuditLog(sb.stateRoot).all()).map((r) => r.outcome)).toEqual(['re-proposed']);
    await expectReplays(t, rec.workflowId, rec.runId);
  });

  it('a plan older than approval.maxPlanAge is re-planned, not applied', async () => {
    const sb = waitingSandbox('recheck-age', { maxPlanAge: '1s' });
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const { decisionId } = await t.kinetic.startDecision('recheck-age', { timeouts: FAST_TIMEOUTS });
      await waitForApproval(decisionId);
      await new Promise((r) => setTimeout(r, 2500));
      await t.kinetic.approve(decisionId, 'alice@example.com');
      return t.kinetic.waitForDecision(decisionId);
    });
    expect(rec.outcome).toBe('re-proposed');
    expect(rec.reason).toMatch(/^plan re-proposed: the plan is \d+s old, older than approval.maxPlanAge \(1s\)/);
    expect(new DryRunProvisioner({ stateRoot: sb.stateRoot, initialInstances: 2 }).readFleet('recheck-age').tiers).toEqual({ default: 2 });
  });

  it('the budget was lowered while waiting: re-proposed with the budget it no longer fits', async () => {
    const sb = waitingSandbox('recheck-budget');
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const { decisionId } = await t.kinetic.startDecision('recheck-budget', { timeouts: FAST_TIMEOUTS });
      await waitForApproval(decisionId);
      // Finance lowers the service's monthly budget to 100 while alice looks: 6 × 0.1/h × 730.5 = 438.30 no longer fits.
      writeFileSync(sb.configPath, readFileSync(sb.configPath, 'utf8').replace('monthly: 100000', 'monthly: 100'));
      await t.kinetic.approve(decisionId, 'alice@example.com');
      return t.kinetic.waitForDecision(decisionId);
    });
    expect(rec.outcome).toBe('re-proposed');
    expect(rec.reason).toMatch(/^plan re-proposed: the budget no longer allows it: projected 438\.30\/month .* exceeds the recheck-budget budget of 100\.00/);
    expect(rec.budget?.released).toBe(true);
    expect(new DryRunProvisioner({ stateRoot: sb.stateRoot, initialInstances: 2 }).readFleet('recheck-budget').tiers).toEqual({ default: 2 });
    await expectReplays(t, rec.workflowId, rec.runId);
  });

  it('a plan that still fits is applied as approved', async () => {
    const sb = waitingSandbox('recheck-ok');
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const { decisionId } = await t.kinetic.startDecision('recheck-ok', { timeouts: FAST_TIMEOUTS });
      await waitForApproval(decisionId);
      await t.kinetic.approve(decisionId, 'alice@example.com');
      return t.kinetic.waitForDecision(decisionId);
    });
    expect(rec.outcome).toBe('committed');
    expect(rec.recheck).toMatchObject({ ok: true, reasons: [], fleetTotal: 2 });
  });
});

import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DryRunProvisioner } from '../../provisioners/dry-run';
import { bookOf } from '../helpers/budget';
import { FileAuditLog } from '../../store/audit';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';

let t: TestTemporal;
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => t?.close());

function faultySandbox(faults: Record<string, unknown>) {
  const sb = createSandbox();
  sb.writeConfig({
    webcomp: serviceConfig(sb.csv('webcomp', flat(55)), { provisioner: { type: 'fault-injecting', initialInstances: 2, ...faults } }),
  });
  return sb;
}

/** The decision's record and, after it, the budget authority's book of the webcomp pool. */
async function decide(configPath: string) {
  return withWorker(t, { configPath }, async () => {
    const s = await t.kinetic.startDecision('webcomp', { timeouts: FAST_TIMEOUTS });
    return [await t.kinetic.waitForDecision(s.decisionId), await bookOf(t, 'pool:webcomp')] as const;
  });
}

describe('compensation after provisioning', () => {
  it('an apply that fails half-way is rolled back to the previous capacity, budget released', async () => {
    const sb = faultySandbox({ failApplyAfterPartial: true });
    const [rec, book] = await decide(sb.configPath);
    expect(rec.outcome).toBe('rolled-back');
    expect(rec.error).toMatch(/injected fault: apply failed after a partial change/);
    expect(rec.reason).toMatch(/rolled back to the previous capacity/);
    // Reverse order: capacity first (registered last), then the budget reservation.
    expect(rec.compensation.map((c) => c.step)).toEqual(['rollback capacity', 'release budget']);
    expect(rec.compensation.every((c) => c.ok)).toBe(true);
    const fleet = new DryRunProvisioner({ stateRoot: sb.stateRoot, initialInstances: 2 }).readFleet('webcomp');
    expect(fleet.tiers).toEqual({ default: 2 });
    // The fleet really moved (2 → 4) before the fault, then came back.
    expect(fleet.history.map((h) => `${h.kind}:${h.to.default}`)).toEqual(['partial:4', 'rollback:2']);
    expect(book.reservations).toEqual([]);
    expect(rec.budget?.released).toBe(true);
  });

  it('a failed verification rolls back the applied change', async () => {
    const sb = faultySandbox({ failVerify: true });
    const [rec, book] = await decide(sb.configPath);
    expect(rec.outcome).toBe('rolled-back');
    expect(rec.verification).toMatchObject({ ok: false, reasons: ['injected fault: no member answered /healthz'] });
    expect(rec.reason).toMatch(/verification failed/);
    expect(rec.compensation.map((c) => c.step)).toEqual(['rollback capacity', 'release budget']);
    const fleet = new DryRunProvisioner({ stateRoot: sb.stateRoot, initialInstances: 2 }).readFleet('webcomp');
    expect(fleet.history.map((h) => `${h.kind}:${h.to.default}`)).toEqual(['apply:6', 'rollback:2']);
    expect((await new FileAuditLog(sb.stateRoot).all())).toHaveLength(1);
    expect(book.committed).toEqual({});
    expect(book.reservations).toEqual([]);
  });
});

describe('compensation uses what the decision recorded at its start', () => {
  it('kinetic.yaml broken during a slow apply: the failed verification still rolls back and releases (rolled-back, not compensation-failed)', async () => {
    const sb = faultySandbox({ failVerify: true, applyDelayMs: 4000 });
    const [rec, book] = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision('webcomp', { timeouts: FAST_TIMEOUTS });
      for (let i = 0; i < 300 && (await t.kinetic.getDecision(s.decisionId)).stage !== 'provision'; i++) await new Promise((r) => setTimeout(r, 50));
      // A bad edit while the decision applies: invalid YAML, and an unknown field on the next line.
      writeFileSync(sb.configPath, `${readFileSync(sb.configPath, 'utf8')}\nbogusField: [unclosed\n`);
      return [await t.kinetic.waitForDecision(s.decisionId), await bookOf(t, 'pool:webcomp')] as const;
    });
    expect(rec.outcome).toBe('rolled-back');
    expect(rec.error).toMatch(/verification failed: injected fault: no member answered \/healthz/);
    expect(rec.compensation).toEqual([
      { step: 'rollback capacity', ok: true, message: 'fleet back to 2 instances' },
      { step: 'release budget', ok: true, message: expect.stringMatching(/released/) },
    ]);
    const fleet = new DryRunProvisioner({ stateRoot: sb.stateRoot, initialInstances: 2 }).readFleet('webcomp');
    expect(fleet.tiers).toEqual({ default: 2 });
    expect(fleet.history.map((h) => `${h.kind}:${h.to.default}`)).toEqual(['apply:6', 'rollback:2']);
    expect(book.reservations).toEqual([]);
    expect((await new FileAuditLog(sb.stateRoot).all()).map((r) => r.outcome)).toEqual(['rolled-back']);
  });

  it('kinetic.yaml broken while awaiting approval: approved, applied, failed verification rolled back from the record', async () => {
    const sb = createSandbox();
    sb.writeConfig({
      web: serviceConfig(sb.csv('web', flat(55)), {
        provisioner: { type: 'fault-injecting', initialInstances: 2, failVerify: true },
        approval: { autoApprove: { maxStepChange: 1 }, approvers: ['alice@example.com'], timeout: '60s' },
      }),
    });
    const [rec, book] = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision('web', { timeouts: FAST_TIMEOUTS });
      for (let i = 0; i < 300 && (await t.kinetic.getDecision(s.decisionId)).stage !== 'approval'; i++) await new Promise((r) => setTimeout(r, 50));
      writeFileSync(sb.configPath, 'version: 1\nservices: {web: {unknownField: 1}}\n');
      await t.kinetic.approve(s.decisionId, 'alice@example.com');
      return [await t.kinetic.waitForDecision(s.decisionId), await bookOf(t, 'pool:web')] as const;
    });
    expect(rec.outcome).toBe('rolled-back');
    expect(rec.recheck).toMatchObject({ ok: true });
    expect(rec.compensation.map((c) => [c.step, c.ok])).toEqual([['rollback capacity', true], ['release budget', true]]);
    const fleet = new DryRunProvisioner({ stateRoot: sb.stateRoot, initialInstances: 2 }).readFleet('web');
    expect(fleet.history.map((h) => `${h.kind}:${h.to.default}`)).toEqual(['apply:6', 'rollback:2']);
    expect(book.reservations).toEqual([]);
    expect((await new FileAuditLog(sb.stateRoot).all()).map((r) => r.outcome)).toEqual(['rolled-back']);
  });
});

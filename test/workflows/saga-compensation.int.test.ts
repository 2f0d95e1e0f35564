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

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DryRunProvisioner } from '../../provisioners/dry-run';
import { FileAuditLog } from '../../store/audit';
import { bookOf } from '../helpers/budget';
import { SA_DIRECTION, SA_OUTCOME, SA_SERVICE } from '../../workflows/definitions';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';

let t: TestTemporal;
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => t?.close());

describe('scaling decision saga: happy paths', () => {
  it('scales out from the forecast, commits, records once and tags the workflow', async () => {
    const sb = createSandbox();
    // Flat demand of 55 with capacity 10 at 100% → 6 instances; the fleet starts at 2.
    sb.writeConfig({ webhappy: serviceConfig(sb.csv('webhappy', flat(55))) });
    const [record, budget] = await withWorker(t, { configPath: sb.configPath }, async () => {
      const started = await t.kinetic.startDecision('webhappy', { timeouts: FAST_TIMEOUTS, trigger: { kind: 'test' } });
      return [await t.kinetic.waitForDecision(started.decisionId), await bookOf(t, 'pool:webhappy')] as const;
    });
    expect(record.outcome).toBe('committed');
    expect(record.plan).toMatchObject({ from: 2, to: 6, direction: 'out', needed: 6 });
    expect(record.forecast?.peakP90).toBeCloseTo(55);
    expect(record.policy?.allowed).toBe(true);
    expect(record.budget).toMatchObject({ allowed: true, reserved: true, released: false });
    expect(record.approval).toMatchObject({ mode: 'auto', decision: 'approved' });
    expect(record.provisioning).toMatchObject({ changed: true, provisioner: 'dry-run' });
    expect(record.verification).toMatchObject({ ok: true, expected: 6, healthy: 6 });
    expect(record.compensation).toEqual([]);
    for (const step of ['forecast', 'plan', 'policy', 'budget', 'approval', 'provision', 'verify', 'commit', 'record']) {
      expect(record.timings[step], step).toBeTruthy();
    }

    const fleet = new DryRunProvisioner({ stateRoot: sb.stateRoot, initialInstances: 2 });
    expect((await fleet.current('webhappy')).total).toBe(6);
    const ledger = (await new FileAuditLog(sb.stateRoot).all());
    expect(ledger.map((r) => r.id)).toEqual([record.id]);
    expect(budget.reservations).toEqual([]);
    expect(budget.committed.webhappy.monthly).toBeCloseTo(6 * 0.1 * 730.5);

    const desc = await t.client.workflow.getHandle(record.workflowId, record.runId).describe();
    expect(desc.typedSearchAttributes.get(SA_SERVICE)).toBe('webhappy');
    expect(desc.typedSearchAttributes.get(SA_DIRECTION)).toBe('out');
    expect(desc.typedSearchAttributes.get(SA_OUTCOME)).toBe('committed');
    expect(desc.memo).toMatchObject({ plan: { from: 2, to: 6, direction: 'out' } });
  });

  it('scales in when demand falls, and does nothing when the fleet already fits', async () => {
    const sb = createSandbox();
    sb.writeConfig({ apihappy: serviceConfig(sb.csv('apihappy', flat(25)), { provisioner: { type: 'dry-run', initialInstances: 8 } }) });
    const [scaleIn, noChange] = await withWorker(t, { configPath: sb.configPath }, async () => {
      const a = await t.kinetic.startDecision('apihappy', { timeouts: FAST_TIMEOUTS });
      const first = await t.kinetic.waitForDecision(a.decisionId);
      const b = await t.kinetic.startDecision('apihappy', { timeouts: FAST_TIMEOUTS });
      return [first, await t.kinetic.waitForDecision(b.decisionId)];
    });
    expect(scaleIn.outcome).toBe('committed');
    expect(scaleIn.plan).toMatchObject({ from: 8, to: 3, direction: 'in' });
    expect(noChange.outcome).toBe('no-change');
    expect(noChange.plan).toMatchObject({ from: 3, to: 3, direction: 'none' });
    expect((await new FileAuditLog(sb.stateRoot).all())).toHaveLength(2);
  });
});

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

const fleetOf = async (stateRoot: string, service: string) =>
  (await new DryRunProvisioner({ stateRoot, initialInstances: 2 }).current(service)).total;

describe('policy and budget rejections are completed decisions with reasons', () => {
  it('rejects a step larger than maxStepChange and provisions nothing', async () => {
    const sb = createSandbox();
    sb.writeConfig({ webreject: serviceConfig(sb.csv('webreject', flat(150)), { maxStepChange: 3 }) });
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision('webreject', { timeouts: FAST_TIMEOUTS });
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(rec.outcome).toBe('policy-rejected');
    expect(rec.reason).toMatch(/max-step: change of 13 \(\+650%\) exceeds the max step of 3; split it or raise maxStepChange/);
    expect(rec.policy?.checks.find((c) => c.rule === 'max-step')?.passed).toBe(false);
    expect(rec.provisioning).toBeUndefined();
    expect(await fleetOf(sb.stateRoot, 'webreject')).toBe(2);
    expect((await new FileAuditLog(sb.stateRoot).all()).map((r) => r.outcome)).toEqual(['policy-rejected']);
  });

  it('rejects a decision inside the cooldown of the last committed one', async () => {
    const sb = createSandbox();
    const csv = sb.csv('webreject', flat(55));
    sb.writeConfig({ webreject: serviceConfig(csv, { cooldown: '10m' }) });
    const [first, second] = await withWorker(t, { configPath: sb.configPath }, async () => {
      const a = await t.kinetic.startDecision('webreject', { timeouts: FAST_TIMEOUTS });
      const ra = await t.kinetic.waitForDecision(a.decisionId);
      const b = await t.kinetic.startDecision('webreject', { timeouts: FAST_TIMEOUTS, targetOverride: 9 });
      return [ra, await t.kinetic.waitForDecision(b.decisionId)];
    });
    expect(first.outcome).toBe('committed');
    expect(second.outcome).toBe('policy-rejected');
    expect(second.reason).toMatch(/cooldown: only \d+s since the last committed decision; cooldown is 600s/);
    expect(await fleetOf(sb.stateRoot, 'webreject')).toBe(6);
  });

  it('holds a scale-in while a higher recommendation is inside the stabilisation window', async () => {
    const sb = createSandbox();
    sb.writeConfig({ webreject: serviceConfig(sb.csv('webreject', flat(55)), { scaleInStabilization: '10m' }) });
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const a = await t.kinetic.startDecision('webreject', { timeouts: FAST_TIMEOUTS });
      await t.kinetic.waitForDecision(a.decisionId);
      const b = await t.kinetic.startDecision('webreject', { timeouts: FAST_TIMEOUTS, targetOverride: 4 });
      return t.kinetic.waitForDecision(b.decisionId);
    });
    expect(rec.outcome).toBe('policy-rejected');
    expect(rec.reason).toMatch(/scale-in-stabilization: a recommendation of 6 was made/);
  });

  it('rejects a plan over budget and releases nothing it did not hold', async () => {
    const sb = createSandbox();
    // 6 instances × 0.1/h × 730.5 h = 438.3/month > 300.
    sb.writeConfig({ webreject: serviceConfig(sb.csv('webreject', flat(55)), { budget: { monthly: 300 } }) });
    const [rec, book] = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision('webreject', { timeouts: FAST_TIMEOUTS });
      return [await t.kinetic.waitForDecision(s.decisionId), await bookOf(t, 'pool:webreject')] as const;
    });
    expect(rec.outcome).toBe('budget-rejected');
    expect(rec.reason).toMatch(/projected 438\.30\/month .* exceeds the webreject budget of 300\.00/);
    expect(rec.budget).toMatchObject({ allowed: false, reserved: false });
    expect(book.reservations).toEqual([]);
    expect(book.closed.find((c) => c.decisionId === rec.id)).toMatchObject({ as: 'rejected' });
    expect(await fleetOf(sb.stateRoot, 'webreject')).toBe(2);
  });

  it('counts other services of a shared budget pool', async () => {
    const sb = createSandbox();
    const shared = { budget: { monthly: 600, pool: 'team-a' } };
    sb.writeConfig({
      webreject: serviceConfig(sb.csv('webreject', flat(55)), shared),
      apireject: serviceConfig(sb.csv('apireject', flat(55)), shared),
    });
    const [webreject, apireject] = await withWorker(t, { configPath: sb.configPath }, async () => {
      const a = await t.kinetic.startDecision('webreject', { timeouts: FAST_TIMEOUTS });
      const ra = await t.kinetic.waitForDecision(a.decisionId);
      const b = await t.kinetic.startDecision('apireject', { timeouts: FAST_TIMEOUTS });
      return [ra, await t.kinetic.waitForDecision(b.decisionId)];
    });
    expect(webreject.outcome).toBe('committed');
    expect(apireject.outcome).toBe('budget-rejected');
    expect(apireject.reason).toMatch(/others 438\.30/);
  });
});

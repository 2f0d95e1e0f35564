import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultInjectingProvisioner } from '../../provisioners/fault-injecting';
import { FileAuditLog } from '../../store/audit';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';

let t: TestTemporal;
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => t?.close());

const slow = (ms: number) => ({ provisioner: { type: 'fault-injecting', initialInstances: 2, applyDelayMs: ms } });

describe('one decision per service at a time', () => {
  it('serialises two decisions of one service and runs two services concurrently', async () => {
    const sb = createSandbox();
    sb.writeConfig({
      webconc: serviceConfig(sb.csv('webconc', flat(55)), slow(1500)),
      // apiconc's apply is the slowest: its decision still runs when a webconc decision starts, however
      // the loaded machine orders the first workflow tasks (the overlap asserted below).
      apiconc: serviceConfig(sb.csv('apiconc', flat(35)), slow(5000)),
    });
    const recs = await withWorker(t, { configPath: sb.configPath }, async () => {
      const started = await Promise.all([
        t.kinetic.startDecision('webconc', { timeouts: FAST_TIMEOUTS, targetOverride: 4 }),
        t.kinetic.startDecision('webconc', { timeouts: FAST_TIMEOUTS, targetOverride: 7 }),
        t.kinetic.startDecision('apiconc', { timeouts: FAST_TIMEOUTS }),
      ]);
      return Promise.all(started.map((s) => t.kinetic.waitForDecision(s.decisionId)));
    });
    const [webA, webB, apiconc] = recs;
    expect(recs.map((r) => r.outcome)).toEqual(['committed', 'committed', 'committed']);
    const span = (r: (typeof recs)[number]) => [Date.parse(r.startedAt), Date.parse(r.finishedAt!)];
    const [a0, a1] = span(webA);
    const [b0, b1] = span(webB);
    const [c0, c1] = span(apiconc);
    // The two webconc decisions never overlap; whichever started second began after the first closed.
    expect(a1 <= b0 || b1 <= a0).toBe(true);
    // apiconc overlapped with at least one webconc decision.
    expect(c0 < Math.max(a1, b1) && c1 > Math.min(a0, b0)).toBe(true);
    const fleet = new FaultInjectingProvisioner({ stateRoot: sb.stateRoot, initialInstances: 2 }, { failApplyAfterPartial: false, failVerify: false, applyDelayMs: 0 });
    const last = a1 > b1 ? webA : webB;
    expect(fleet.readFleet('webconc').tiers.default).toBe(last.plan!.to);
    expect(fleet.readFleet('apiconc').tiers.default).toBe(4);
    expect((await new FileAuditLog(sb.stateRoot).all())).toHaveLength(3);
  });

  it("ifRunning: 'fail' refuses a second decision while one runs", async () => {
    const sb = createSandbox();
    sb.writeConfig({ webconc: serviceConfig(sb.csv('webconc', flat(55)), slow(1500)) });
    await withWorker(t, { configPath: sb.configPath }, async () => {
      const first = await t.kinetic.startDecision('webconc', { timeouts: FAST_TIMEOUTS });
      await expect(t.kinetic.startDecision('webconc', { ifRunning: 'fail' })).rejects.toThrow(/already started/i);
      await t.kinetic.waitForDecision(first.decisionId);
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecisionRecord } from '../../decision/record';
import { FileAuditLog } from '../../store/audit';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';

/**
 * Anomalous scaling through the saga: plans inside every auto-approve bound still wait for a
 * person when an `anomaly:*` rule trips, judged against the audit log's history.
 */

let t: TestTemporal;
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => t?.close());

/** The decision's record once it waits for a person (stage approval, manual). */
async function waitingForPerson(decisionId: string): Promise<DecisionRecord> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const rec = await t.kinetic.getDecision(decisionId);
    if (rec.stage === 'approval' && rec.approval?.mode === 'manual') return rec;
    if (rec.outcome || Date.now() > deadline) throw new Error(`decision ${decisionId} never waited for a person: ${JSON.stringify(rec.approval)} ${rec.outcome ?? rec.stage}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Inside every classic bound: steps up to 10 instances are automatic; the person has 3 s to answer.
const approval = { autoApprove: { maxStepChange: 10 }, approvers: ['alice@example.com'], timeout: '3s' };

describe('anomalous scaling waits for a person (real dev server)', () => {
  it('a target far above the forecast (operator override) waits for a person with anomaly:forecast-ratio in the record', async () => {
    const service = 'anomaly-override';
    const sb = createSandbox();
    // Demand 20 → the forecast implies 2 instances; the override asks for 10 (+8, inside maxStepChange 10).
    sb.writeConfig({ [service]: serviceConfig(sb.csv(service, flat(20)), { approval }) });
    const [waiting, done] = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision(service, { timeouts: FAST_TIMEOUTS, targetOverride: 10 });
      return [await waitingForPerson(s.decisionId), await t.kinetic.waitForDecision(s.decisionId)];
    });
    expect(waiting.plan).toMatchObject({ from: 2, to: 10 });
    expect(waiting.approval?.reasons).toEqual([
      'anomaly:forecast-ratio: target 10 is 5× the forecast-implied target 2 (approval.anomaly.ratio 3); a person must confirm it',
    ]);
    expect(done.outcome).toBe('approval-timeout');
    const [audited] = await new FileAuditLog(sb.stateRoot).forService(service);
    expect(audited.approval?.reasons?.[0]).toMatch(/^anomaly:forecast-ratio: /);

    // The same override with the rule relaxed is approved automatically (the anomaly rule, nothing else, held it).
    sb.writeConfig({ [service]: serviceConfig(sb.csv(service, flat(20)), { approval: { ...approval, anomaly: { ratio: 6 } } }) });
    const relaxed = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision(service, { timeouts: FAST_TIMEOUTS, targetOverride: 10 });
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(relaxed).toMatchObject({ outcome: 'committed', approval: { mode: 'auto' }, plan: { from: 2, to: 10 } });
  }, 90_000);

  it('a run of auto-approved scale-outs walking the fleet to maxInstances stops for a person at the step that reaches it (anomaly:runaway)', async () => {
    const service = 'anomaly-runaway';
    const sb = createSandbox();
    const decideAt = async (demand: number) => {
      sb.writeConfig({ [service]: serviceConfig(sb.csv(service, flat(demand)), { maxInstances: 12, approval }) });
      const s = await t.kinetic.startDecision(service, { timeouts: FAST_TIMEOUTS });
      return s.decisionId;
    };
    const [first, second, third] = await withWorker(t, { configPath: sb.configPath }, async () => {
      const a = await t.kinetic.waitForDecision(await decideAt(50)); // 2 → 5
      const b = await t.kinetic.waitForDecision(await decideAt(80)); // 5 → 8
      const id = await decideAt(150); // 8 → 12 (clamped to the maximum)
      const waiting = await waitingForPerson(id);
      await t.kinetic.waitForDecision(id);
      return [a, b, waiting];
    });
    expect([first, second].map((r) => [r.outcome, r.plan?.from, r.plan?.to, r.approval?.mode])).toEqual([
      ['committed', 2, 5, 'auto'],
      ['committed', 5, 8, 'auto'],
    ]);
    expect(third.plan).toMatchObject({ from: 8, to: 12, clampedBy: 'max' });
    expect(third.approval?.reasons).toHaveLength(1);
    expect(third.approval?.reasons[0]).toMatch(
      /^anomaly:runaway: 3 auto-approved scale-outs in a row take the fleet 2 → 12, its maxInstances 12, within \d+s \(approval\.anomaly\.runawaySteps 3 within 15m\); a person must confirm it$/,
    );
    const audited = await new FileAuditLog(sb.stateRoot).forService(service);
    expect(audited.map((r) => r.outcome)).toEqual(['committed', 'committed', 'approval-timeout']);
  }, 90_000);
});

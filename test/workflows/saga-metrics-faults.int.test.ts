import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainDecision } from '../../cli/explain';
import { FileAuditLog } from '../../store/audit';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';

let t: TestTemporal;
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => t?.close());

describe('metrics faults through the saga (real dev server)', () => {
  it('fallback: after failureThreshold failed forecasts in a row (counted in the audit log, across workers), current + step, scale out only, recorded and explained', async () => {
    const service = 'fallback-saga';
    const sb = createSandbox();
    // Unreadable metrics (a negative demand): every predictive forecast fails.
    const csv = sb.csv(service, [...flat(10, 5), -4, ...flat(10, 5)]);
    const config = (extra: Record<string, unknown>) =>
      sb.writeConfig({ [service]: serviceConfig(csv, { maxInstances: 6, provisioner: { type: 'dry-run', initialInstances: 3 }, ...extra }) });
    const decide = async (n: number) => {
      const out = [];
      for (let i = 0; i < n; i++) {
        const s = await t.kinetic.startDecision(service, { timeouts: FAST_TIMEOUTS });
        out.push(await t.kinetic.waitForDecision(s.decisionId));
      }
      return out;
    };
    // No fallback configured: the error stands, nothing is planned on it.
    config({});
    const failures = await withWorker(t, { configPath: sb.configPath }, () => decide(2));
    for (const r of failures) {
      expect(r.outcome).toBe('failed');
      expect(r.error).toMatch(/demand cannot be negative/);
      expect(r.provisioning).toBeUndefined();
    }
    // Fallback configured, on a new worker: the two failures in the audit log count, this is the third.
    config({ fallback: { failureThreshold: 3, step: 2 } });
    const [first, second, third] = await withWorker(t, { configPath: sb.configPath }, () => decide(3));
    expect(first.outcome).toBe('committed');
    expect(first.forecast?.mode).toBe('fallback');
    expect(first.forecast?.fallback).toMatchObject({ failures: 3, failureThreshold: 3, step: 2, current: 3, target: 5 });
    expect(first.forecast?.fallback?.error).toMatch(/demand cannot be negative/);
    expect(first.plan).toMatchObject({ from: 3, to: 5, direction: 'out' });
    expect(first.plan?.reason).toBe('fallback: 3 failed forecast(s) in a row reached fallback.failureThreshold 3; scale out only: 3 + fallback.step 2 = 5 → 5');
    const text = explainDecision(first);
    expect(text).toMatch(/1\. Forecast: FALLBACK — 3 failed forecast\(s\) in a row \(fallback\.failureThreshold 3\); this one: .*demand cannot be negative/);
    expect(text).toMatch(/current capacity 3 \+ fallback\.step 2, capped at maxInstances, scale out only → 5/);
    // A fallback decision keeps the count going: 5 + 2 capped at maxInstances 6.
    expect(second.outcome).toBe('committed');
    expect(second.forecast?.fallback?.failures).toBe(4);
    expect(second.plan).toMatchObject({ from: 5, to: 6, direction: 'out', clampedBy: 'max' });
    // At the maximum the fallback holds: never a scale-in on failed metrics.
    expect(third.outcome).toBe('no-change');
    expect(third.plan).toMatchObject({ from: 6, to: 6, direction: 'none' });
    expect(third.reason).toMatch(/holding 6 \(already at maxInstances 6; the fallback never scales in\)/);
    expect(await new FileAuditLog(sb.stateRoot).all()).toHaveLength(5);
  }, 120_000);
});

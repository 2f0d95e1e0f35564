import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileAuditLog } from '../../store/audit';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';

let t: TestTemporal;
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => t?.close());

describe('bad input ends a decision with a clear reason and changes nothing', () => {
  const cases: Array<[string, Array<number | string>, RegExp]> = [
    ['a NaN value', [...flat(10, 5), 'NaN', ...flat(10, 5)], /webbadinput\.csv:7: column "value" is "NaN", not a number; fix or remove the row/],
    ['a negative value', [...flat(10, 5), -4, ...flat(10, 5)], /webbadinput\.csv:7: column "value" is -4; demand cannot be negative/],
    ['an empty file', [], /webbadinput\.csv: no data rows/],
    ['a blank cell', [...flat(10, 3), '', ...flat(10, 3)], /not a number/],
  ];
  for (const [name, values, message] of cases) {
    it(`metrics with ${name}`, async () => {
      const sb = createSandbox();
      sb.writeConfig({ webbadinput: serviceConfig(sb.csv('webbadinput', values)) });
      const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
        const s = await t.kinetic.startDecision('webbadinput', { timeouts: FAST_TIMEOUTS });
        return t.kinetic.waitForDecision(s.decisionId);
      });
      expect(rec.outcome).toBe('failed');
      expect(rec.error).toMatch(message);
      expect(rec.reason).toMatch(/nothing was changed/);
      expect(rec.provisioning).toBeUndefined();
      expect((await new FileAuditLog(sb.stateRoot).all())).toHaveLength(1);
    });
  }

  it('an unknown service names the services that exist', async () => {
    const sb = createSandbox();
    sb.writeConfig({ webbadinput: serviceConfig(sb.csv('webbadinput', flat(10))) });
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision('checkoutbadinput', { timeouts: FAST_TIMEOUTS });
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(rec.outcome).toBe('failed');
    expect(rec.error).toBe('unknown service "checkoutbadinput"; kinetic.yaml defines: webbadinput');
  });

  it('a config broken after start fails the next decision with the field path', async () => {
    const sb = createSandbox();
    sb.writeConfig({ webbadinput: serviceConfig(sb.csv('webbadinput', flat(10)), { targetUtilization: 1.5 }) });
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision('webbadinput', { timeouts: FAST_TIMEOUTS });
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(rec.outcome).toBe('failed');
    expect(rec.error).toMatch(/services\.webbadinput\.targetUtilization: Too big: expected number to be <=1/);
  });
});

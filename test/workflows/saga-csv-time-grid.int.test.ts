import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';

const SERVICE = 'csv-time-grid';

let t: TestTemporal;
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => t?.close());

describe('a timestamped CSV through the saga (real dev server)', () => {
  it('missing minutes reach the planner as missing steps, not as shifted rows', async () => {
    const sb = createSandbox();
    // 63 one-minute steps of flat demand 35 with minutes 20, 21 and 22 absent: 60 rows.
    const minutes = Array.from({ length: 63 }, (_, m) => m).filter((m) => m < 20 || m > 22);
    const csv = join(sb.dir, `${SERVICE}.csv`);
    writeFileSync(csv, ['time,rps', ...minutes.map((m) => `${new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString()},35`)].join('\n') + '\n');
    sb.writeConfig({
      [SERVICE]: serviceConfig(csv, { metrics: { source: 'csv', path: csv, timeColumn: 'time', valueColumn: 'rps', stepSeconds: 60, historyPoints: 100 } }),
    });
    const record = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision(SERVICE, { timeouts: FAST_TIMEOUTS });
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(record.error).toBeUndefined();
    // The history is the 63 steps the timestamps span (row positions would have given 60) …
    expect(record.forecast?.historyPoints).toBe(63);
    // … of which the 3 absent minutes are missing samples the planner did not learn from.
    expect(record.forecast?.dropouts).toMatchObject({ missingSteps: 3, newestMissing: false });
    expect(record.forecast?.notes.join('\n')).toMatch(/3 missing sample\(s\) in the history/);
    // Flat 35 req/s at 10 per instance: 4 instances.
    expect(record.plan).toMatchObject({ from: 2, to: 4, direction: 'out' });
    expect(record.outcome).toBe('committed');
  }, 180_000);
});

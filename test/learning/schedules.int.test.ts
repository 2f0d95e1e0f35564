import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { loadConfig } from '../../config/load';
import { applySchedules, applySchedulesOnWorkerStart, describeSchedules, scheduleId } from '../../schedules';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, TestTemporal, withWorker } from '../helpers/temporal';

let t: TestTemporal;
const prefixes: string[] = [];
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => {
  for (const p of prefixes) {
    for (const kind of ['retrain', 'reweight', 'budget-report', 'fingerprints'] as const) {
      await t.client.schedule.getHandle(scheduleId(kind, p)).delete().catch(() => undefined);
    }
  }
  await t?.close();
});

async function listedIds(prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const s of t.client.schedule.list()) if (s.scheduleId.startsWith(prefix)) ids.push(s.scheduleId);
  return ids.sort();
}

describe('schedules', () => {
  it('exist with the configured specs after start-up and after a second start, without duplicates', async () => {
    const sb = createSandbox();
    sb.writeConfig({ websched: serviceConfig(sb.csv('websched', flat(10))) });
    const prefix = `t${Date.now().toString(36)}-`;
    prefixes.push(prefix);
    process.env.TEMPORAL_ADDRESS = inject('temporalAddress');

    const first = await applySchedulesOnWorkerStart({ configPath: sb.configPath, taskQueue: t.taskQueue, idPrefix: prefix });
    expect(first.map((a) => a.action)).toEqual(['created', 'created', 'created', 'created']);
    const second = await applySchedulesOnWorkerStart({ configPath: sb.configPath, taskQueue: t.taskQueue, idPrefix: prefix });
    expect(second.map((a) => a.action)).toEqual(['updated', 'updated', 'updated', 'updated']);

    const described = await describeSchedules(t.client, prefix);
    expect(described.map((d) => [d.id, d.exists])).toEqual([
      [`${prefix}retrain`, true],
      [`${prefix}reweight`, true],
      [`${prefix}budget-report`, true],
      [`${prefix}fingerprints`, true],
    ]);
    for (const d of described) {
      expect(d.overlap).toBe(ScheduleOverlapPolicy.SKIP);
      expect(d.catchupWindowMs).toBe(3_600_000);
      expect(d.paused).toBe(false);
    }
    const byKind = Object.fromEntries(described.map((d) => [d.kind, d]));
    expect(JSON.stringify(byKind.retrain.spec)).toMatch(/15 2 \* \* \*|"hour":\[\{"start":2|"hour":2/);
    expect(byKind.reweight.spec).toMatchObject({ intervals: [{ every: 3_600_000 }] });
    expect(byKind.fingerprints.spec).toMatchObject({ intervals: [{ every: 900_000 }] });
    // Visibility is eventually consistent: wait until the list shows exactly the four.
    const deadline = Date.now() + 15_000;
    let ids = await listedIds(prefix);
    while (ids.length < 4 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      ids = await listedIds(prefix);
    }
    expect(ids).toEqual([`${prefix}budget-report`, `${prefix}fingerprints`, `${prefix}retrain`, `${prefix}reweight`].sort());
  });

  it('applies config changes on update, keeps an operator pause, and a trigger runs the budget report', async () => {
    const sb = createSandbox();
    sb.writeConfig({ websched: serviceConfig(sb.csv('websched', flat(10))) });
    const prefix = `u${Date.now().toString(36)}-`;
    prefixes.push(prefix);
    await applySchedules(t.client, { config: loadConfig(sb.configPath), taskQueue: t.taskQueue, idPrefix: prefix });
    await t.client.schedule.getHandle(scheduleId('retrain', prefix)).pause('operator');
    const loaded = loadConfig(sb.configPath);
    const cfg = { ...loaded, schedules: { ...(loaded.schedules ?? ({} as never)), reweight: { every: 1800, paused: false }, retrain: { cron: ['0 3 * * *'], paused: false }, budgetReport: { cron: ['30 0 * * *'], paused: false }, catchupWindow: 600, overlap: 'bufferOne' as const, applyOnWorkerStart: true } };
    const again = await applySchedules(t.client, { config: cfg, taskQueue: t.taskQueue, idPrefix: prefix });
    expect(again.every((a) => a.action === 'updated')).toBe(true);
    const d = Object.fromEntries((await describeSchedules(t.client, prefix)).map((x) => [x.kind, x]));
    expect(d.reweight.spec).toMatchObject({ intervals: [{ every: 1_800_000 }] });
    expect(d.reweight.overlap).toBe(ScheduleOverlapPolicy.BUFFER_ONE);
    expect(d.reweight.catchupWindowMs).toBe(600_000);
    expect(d.retrain.paused).toBe(true);

    const report = join(sb.stateRoot, 'ledger', `budget-report-${new Date().toISOString().slice(0, 10)}.json`);
    await withWorker(t, { configPath: sb.configPath }, async () => {
      await t.client.schedule.getHandle(scheduleId('budget-report', prefix)).trigger(ScheduleOverlapPolicy.SKIP);
      const deadline = Date.now() + 20_000;
      while (!existsSync(report)) {
        if (Date.now() > deadline) throw new Error('budget report never written');
        await new Promise((r) => setTimeout(r, 200));
      }
    });
    const body = JSON.parse(readFileSync(report, 'utf8'));
    // No budgets block: one row per service, its limit, and (never decided) the run-rate of minInstances (1 × 0.1/h).
    const websched = body.nodes.find((n: { id: string }) => n.id === 'service:websched');
    expect(websched).toMatchObject({ level: 'service', limit: 100000 });
    expect(websched.committedMonthly).toBeCloseTo(1 * 0.1 * 730.5, 6);
  });
});

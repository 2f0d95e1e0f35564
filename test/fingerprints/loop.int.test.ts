import { cpSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeps } from '../../activities/deps';
import { fingerprintLoopActivities, type FingerprintLoopResult } from '../../activities/fingerprint-loop';
import { loadConfig } from '../../config/load';
import { applySchedules, scheduleId } from '../../schedules';
import { FingerprintModelStore } from '../../store/fingerprint-store';
import { startMember, stopMember, type Member } from '../../telemetry/sample-members';
import { FileSummaryStore } from '../../telemetry/summary-store';
import { kinetic, startKinetic } from '../helpers/cli';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, withWorker, type TestTemporal } from '../helpers/temporal';

/**
 * The fingerprint adaptive loop on the real dev server: summaries of real members (two CPU-bound,
 * two I/O-bound) from `kinetic fingerprints collect`, compressed to 1 s periods; the scheduled workflow fits
 * and promotes the first model (a GRU per cluster), a forced refit stores a challenger with its
 * lineage and promotes it only if its held-back error is lower, and the drift trigger refits a
 * service whose clusters keep missing while another, within its threshold, keeps its champion.
 */
const DRIFTING = 'fp-loop-drift';
const STEADY = 'fp-loop-steady';
const sb = createSandbox('kinetic-fp-loop-');
const summariesDir = join(sb.dir, 'telemetry');
const members: Member[] = [];
let t: TestTemporal;
const prefix = `fp${Date.now().toString(36)}-`;

const fingerprints = (threshold: number) => ({
  summariesDir,
  horizonSteps: 1,
  capacity: { cpu: 1, memoryMiB: 4096 },
  loop: { threshold, windows: 2, everyWindows: 0, holdBack: 3, maxPeriods: 200 },
});

beforeAll(async () => {
  t = await connectTestTemporal();
  sb.writeConfig({
    'fp-loop-drift': serviceConfig(sb.csv(DRIFTING, flat(10)), { fingerprints: fingerprints(0) }),
    'fp-loop-steady': serviceConfig(sb.csv(STEADY, flat(10)), { fingerprints: fingerprints(1000) }),
  });
  for (const [i, b] of ['cpu', 'cpu', 'io', 'io'].entries()) members.push(await startMember(`m${i}-${b}`, DRIFTING, b, { SAMPLE_CPU_MS: '20' }));
  // The collector as an operator runs it: `kinetic fingerprints collect`, stopped with Ctrl-C.
  const collect = startKinetic(['fingerprints', 'collect', '--service', DRIFTING, '--config', sb.configPath, '--period', '1', '--windows', '1,2', ...members.flatMap((m) => ['--pid', `${m.id}=${m.pid}@${m.port}`])]);
  await collect.printed('stdout', /collecting 4 member\(s\) of fp-loop-drift at 10 Hz/);
  const timers = members.map((m) => setInterval(() => get(`http://127.0.0.1:${m.port}/`, (res) => res.resume()).on('error', () => undefined), 100));
  await new Promise((r) => setTimeout(r, 22_000));
  timers.forEach(clearInterval);
  collect.signal('SIGINT');
  const stopped = await collect.done;
  expect(stopped.code, stopped.stderr).toBe(0);
  expect(new FileSummaryStore(summariesDir).members(DRIFTING)).toEqual(members.map((m) => m.id).sort());
  // The steady service sees the same telemetry under its own name.
  cpSync(join(summariesDir, DRIFTING), join(summariesDir, STEADY), { recursive: true });
}, 120_000);

afterAll(async () => {
  await Promise.all(members.map(stopMember));
  await t.client.schedule.getHandle(scheduleId('fingerprints', prefix)).delete().catch(() => undefined);
  await t?.close();
});

async function runLoop(input: { services: string[]; force?: boolean }): Promise<FingerprintLoopResult[]> {
  const r = await t.client.workflow.execute('fingerprintLoop', { taskQueue: t.taskQueue, workflowId: `fp-loop-${Math.random().toString(36).slice(2)}`, args: [input] });
  return (r as { services: FingerprintLoopResult[] }).services;
}

describe('fingerprint adaptive loop', () => {
  it('the schedule fits and promotes a first model per service; a forced refit keeps lineage; drift refits, a steady service keeps its champion', async () => {
    const models = new FingerprintModelStore(sb.stateRoot);
    await applySchedules(t.client, { config: loadConfig(sb.configPath), taskQueue: t.taskQueue, idPrefix: prefix });
    await withWorker(t, { configPath: sb.configPath }, async () => {
      await t.client.schedule.getHandle(scheduleId('fingerprints', prefix)).trigger(ScheduleOverlapPolicy.SKIP);
      const deadline = Date.now() + 120_000;
      while (models.championVersion(DRIFTING) === undefined || models.championVersion(STEADY) === undefined) {
        if (Date.now() > deadline) throw new Error('the scheduled fingerprint loop never promoted a first model');
        await new Promise((r) => setTimeout(r, 500));
      }
      const first = models.champion(DRIFTING)!;
      expect(first).toMatchObject({ version: 1, reason: 'no champion yet', promotion: { promoted: true, reason: 'first fingerprint model of the service' } });
      expect(first.parent).toBeUndefined();
      expect(first.fleet.clusters.length).toBeGreaterThanOrEqual(2);
      // ~20 one-second periods per member: enough windows for a GRU in at least one cluster.
      expect(Object.keys(first.clusterModels).length).toBeGreaterThanOrEqual(1);
      expect(first.heldBack?.windows).toBeGreaterThan(0);
      expect(first.dataWindow.to).toBeGreaterThan(first.dataWindow.from);

      // A forced refit: a challenger with its parent; promoted only with a lower held-back error.
      const [forced] = await runLoop({ services: [DRIFTING], force: true });
      const v2 = models.get(DRIFTING, forced.version!)!;
      expect(v2).toMatchObject({ version: 2, parent: 1, reason: 'refit on request' });
      expect(v2.dataWindow).toEqual(first.dataWindow); // same summaries: the same data window
      expect(forced.outcome).toBe(v2.promotion!.promoted ? 'promoted' : 'rejected');
      expect(models.championVersion(DRIFTING)).toBe(v2.promotion!.promoted ? 2 : 1);
      expect(v2.promotion!.reason).toMatch(/held-back CPU MAE [\d.]+ (<|>=) champion v1's/);

      // Threshold 0: every cluster misses in every period -> drift refit. Threshold 1000: kept.
      const championBefore = models.championVersion(DRIFTING);
      const [drift, steady] = await runLoop({ services: [DRIFTING, STEADY] });
      expect(drift.reason).toMatch(/^clusters? c\d+.*: error above 0 for 2 windows in a row/);
      expect(models.get(DRIFTING, drift.version!)).toMatchObject({ version: 3, parent: championBefore });
      expect(steady).toMatchObject({ outcome: 'kept', champion: 1, reason: 'every cluster within its error threshold' });
      expect(models.versions(STEADY).map((v) => v.version)).toEqual([1]);
    });

    // kinetic fingerprints show reads the stores: the champion, the lineage, the clusters.
    const shown = await kinetic(['fingerprints', 'show', '--service', DRIFTING, '--config', sb.configPath, '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    const out = JSON.parse(shown.stdout) as { champion: number; lineage: Array<{ version: number; parent?: number; champion: boolean; reason: string }>; clusters: Array<{ id: string; model: string }>; telemetry: { status: string } };
    expect(out.champion).toBe(models.championVersion(DRIFTING));
    expect(out.lineage.map((v) => [v.version, v.parent ?? null, v.champion])).toEqual(models.versions(DRIFTING).map((v) => [v.version, v.parent ?? null, v.version === out.champion]));
    expect(out.lineage[0].reason).toBe('no champion yet');
    expect(out.clusters.map((c) => c.id)).toEqual(models.champion(DRIFTING)!.fleet.clusters.map((c) => c.id));
    // maxAge is 3 min by default: the summaries of a moment ago are fresh.
    expect(out.telemetry.status).toBe('fresh');
    const text = await kinetic(['fingerprints', 'show', '--service', DRIFTING, '--config', sb.configPath]);
    expect(text.stdout).toMatch(new RegExp(`${DRIFTING}: champion fingerprint model v${out.champion}`));
    expect(text.stdout).toMatch(/v2 .*parent 1; data .*; refit on request; (promoted|not promoted): held-back CPU MAE/);
  }, 400_000);

  it('a retried run finds the version it stored and finishes its promotion, fitting nothing again', async () => {
    const models = new FingerprintModelStore(sb.stateRoot);
    const champion = models.champion(STEADY)!;
    // As if the activity died between storing a promoted challenger and writing champion.json.
    const { version: _v, ...rest } = champion;
    const stored = models.add({ ...rest, parent: champion.version, reason: 'refit on request', promotion: { promoted: true, reason: 'test' }, sourceId: 'run-x/steady' });
    expect(models.championVersion(STEADY)).toBe(champion.version);
    const acts = fingerprintLoopActivities(createDeps({ configPath: sb.configPath }));
    const r = await acts.fingerprintLoopService({ service: STEADY, sourceId: 'run-x/steady' });
    expect(r).toMatchObject({ outcome: 'promoted', version: stored.version, champion: stored.version });
    expect(models.championVersion(STEADY)).toBe(stored.version);
    expect(models.versions(STEADY).map((v) => v.version)).toEqual([champion.version, stored.version]);
  });
});

import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileModelStore } from '../../store/model-store';
import { retrainEnsemble } from '../../workflows/retrain-ensemble';
import { createSandbox, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, TestTemporal, withWorker } from '../helpers/temporal';
import { killWorker, startWorkerProcess, workerRunningActivity } from '../helpers/worker-process';

let t: TestTemporal;
const children: ChildProcess[] = [];
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => {
  for (const c of children) await killWorker(c);
  await t?.close();
});

/** A clean daily-like cycle of 24 steps: seasonal naive with season 24 is near perfect, season 1 is poor. */
const seasonal = (n: number) => Array.from({ length: n }, (_, i) => +(100 + 50 * Math.sin((2 * Math.PI * i) / 24) + ((i * 7) % 5) * 0.2).toFixed(3));

function learning(extra: Record<string, unknown> = {}) {
  return { models: ['seasonalNaive', 'ewma'], minHistoryPoints: 48, holdoutPoints: 24, promotionMargin: 0.05, ...extra };
}

async function retrain(id: string, args: Parameters<typeof retrainEnsemble>[0] = {}) {
  return t.client.workflow.execute(retrainEnsemble, { workflowId: `${id}-${t.taskQueue}`, taskQueue: t.taskQueue, args: [{ heartbeatSeconds: 10, ...args }] });
}

describe('retrain with champion/challenger', () => {
  it('promotes a better model, keeps a worse one out, and says when there is not enough history', async () => {
    const sb = createSandbox();
    const csv = sb.csv('apiretrain', seasonal(240));
    const short = sb.csv('tiny', seasonal(20));
    const write = (seasons: number[]) =>
      sb.writeConfig({
        apiretrain: serviceConfig(csv, { metrics: { source: 'csv', path: csv, stepSeconds: 60, historyPoints: 1000 }, seasons, learning: learning() }),
        tiny: serviceConfig(short, { learning: learning() }),
      });
    const store = new FileModelStore(sb.stateRoot);
    await withWorker(t, { configPath: sb.configPath }, async () => {
      write([]); // a config without the season: seasonal naive degrades to "repeat the last value"
      const r1 = await retrain('retrain-1');
      const api1 = r1.services.find((s) => s.service === 'apiretrain')!;
      expect(api1.outcome).toBe('retrained');
      expect(api1.models.map((m) => [m.model, m.promoted])).toEqual([
        ['seasonalNaive', true],
        ['ewma', true],
      ]);
      const tiny = r1.services.find((s) => s.service === 'tiny')!;
      expect(tiny).toMatchObject({ outcome: 'not-enough-history', models: [] });
      expect(tiny.reason).toMatch(/not enough history: 20 points of the 48 needed/);
      const v1 = (await store.champion('apiretrain', 'seasonalNaive'))!;

      write([24]); // the season is configured: a much better challenger
      const r2 = await retrain('retrain-2', { models: ['seasonalNaive'] });
      const better = r2.services.find((s) => s.service === 'apiretrain')!.models[0];
      expect(better.promoted).toBe(true);
      expect(better.holdoutMase!).toBeLessThan(0.95 * better.championHoldoutMase!);
      const v2 = (await store.champion('apiretrain', 'seasonalNaive'))!;
      expect(v2.id).toBe(better.versionId);
      expect((await store.get('apiretrain', v1.id))!.status).toBe('retired');

      write([]); // a regression: the challenger is worse on the holdout and must stay out
      const r3 = await retrain('retrain-3', { models: ['seasonalNaive'] });
      const worse = r3.services.find((s) => s.service === 'apiretrain')!.models[0];
      expect(worse.promoted).toBe(false);
      expect(worse.holdoutMase!).toBeGreaterThan(worse.championHoldoutMase!);
      expect((await store.champion('apiretrain', 'seasonalNaive'))!.id).toBe(v2.id);
      expect((await store.get('apiretrain', worse.versionId!))!.status).toBe('rejected');
    });

    // Lineage on every version: window, parameters, scores, code version.
    const versions = await store.list('apiretrain', 'seasonalNaive');
    expect(versions).toHaveLength(3);
    for (const v of versions) {
      expect(v.lineage.dataWindow.points).toBe(240);
      expect(v.lineage.scores.holdoutPoints).toBe(24);
      expect(v.lineage.codeVersion).toMatch(/^[0-9a-f]{40}(-dirty)?$|^unknown$/);
      expect(v.lineage.parameters.description).toBeTruthy();
      expect(v.lineage.workflowId).toMatch(/^retrain-/);
    }
    expect((await store.promotions('apiretrain')).map((p) => p.model)).toEqual(['seasonalNaive', 'ewma', 'seasonalNaive']);
  });

  it('a retrain activity whose worker is SIGKILLed mid-way is retried and stores one version', async () => {
    const sb = createSandbox();
    const csv = sb.csv('apiretrain', seasonal(120));
    sb.writeConfig({ apiretrain: serviceConfig(csv, { metrics: { source: 'csv', path: csv, stepSeconds: 60, historyPoints: 1000 }, seasons: [24], learning: learning({ models: ['seasonalNaive'] }) }) });
    const spawnWorker = () => startWorkerProcess(t.taskQueue, sb.configPath, children);
    // Two workers from the start: the one running the activity is killed, the other takes over.
    const workers = await Promise.all([spawnWorker(), spawnWorker()]);
    const handle = await t.client.workflow.start(retrainEnsemble, {
      workflowId: `retrain-kill-${t.taskQueue}`,
      taskQueue: t.taskQueue,
      args: [{ heartbeatSeconds: 4, pauseBetweenStepsMs: 1000 }],
    });
    const pid = await workerRunningActivity(() => handle.describe(), 'retrainModel');
    await killWorker(workers.find((w) => w.pid === pid)!);
    const result = await handle.result();
    expect(result.services[0]).toMatchObject({ service: 'apiretrain', outcome: 'retrained' });
    expect(result.services[0].models[0]).toMatchObject({ model: 'seasonalNaive', promoted: true });
    const history = await handle.fetchHistory();
    const attempts = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt);
    expect(Math.max(...attempts.map(Number))).toBeGreaterThanOrEqual(2); // the killed attempt was retried
    expect(await new FileModelStore(sb.stateRoot).list('apiretrain')).toHaveLength(1);
  });
});

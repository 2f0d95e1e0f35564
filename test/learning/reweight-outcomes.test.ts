import { describe, expect, it } from 'vitest';
import { createDeps } from '../../activities/deps';
import { outcomeEvents, reweightActivities } from '../../activities/reweight';
import type { MetricSeries, MetricsSource } from '../../metrics/contract';
import { FileAuditLog } from '../../store/audit';
import { FilePredictionStore } from '../../store/prediction-store';
import { FileWeightsStore } from '../../store/weights-store';
import type { DecisionRecord } from '../../decision/record';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';

const STEP = 60_000;
const HOUR = 3_600_000;
const LOOP = 'loop-web';

/** A metrics source with no realised demand for the window asked (every step a gap). */
const noDemand: MetricsSource = {
  kind: 'test',
  async range(_s, _m, start: Date, end: Date, stepSeconds: number): Promise<MetricSeries> {
    const n = Math.floor((end.getTime() - start.getTime()) / (stepSeconds * 1000)) + 1;
    return { start: start.getTime(), stepSeconds, values: Array.from({ length: n }, () => NaN), gaps: [{ index: 0, length: n }] };
  },
};
/** Realised demand of 100 at every step. */
const demand100: MetricsSource = {
  kind: 'test',
  async range(_s, _m, start: Date, end: Date, stepSeconds: number): Promise<MetricSeries> {
    const n = Math.floor((end.getTime() - start.getTime()) / (stepSeconds * 1000)) + 1;
    return { start: start.getTime(), stepSeconds, values: Array.from({ length: n }, () => 100), gaps: [] };
  },
};

/** `n` past loop predictions ("high" 20% above the ensemble, "low" 20% below), each with the decision it started. */
async function seed(stateRoot: string, n: number, outcome: DecisionRecord['outcome'], madeAt: (k: number) => number) {
  const preds = new FilePredictionStore(stateRoot);
  const ledger = new FileAuditLog(stateRoot);
  for (let k = 0; k < n; k++) {
    const at = madeAt(k);
    await preds.append({
      id: `${LOOP}:run0:${k}`,
      service: 'web',
      loopId: LOOP,
      madeAt: at,
      stepSeconds: 60,
      targets: [1, 2, 3].map((j) => at + j * STEP),
      perModel: { low: [80, 80, 80], right: [100, 100, 100], high: [120, 120, 120] },
      ensemble: [100, 100, 100],
      weights: { low: 1 / 3, right: 1 / 3, high: 1 / 3 },
      weightsVersion: 0,
      peakP90: 100,
      proposal: { mode: 'act', current: 5, planned: 10, action: 'scale', reason: 'test' },
    });
    await ledger.append({
      id: `d${k}`,
      service: 'web',
      workflowId: 'scale-web',
      runId: `r${k}`,
      trigger: { kind: 'control-loop', by: LOOP, note: `iteration ${k}: P90 peak plans 10` },
      dryRun: false,
      stage: 'done',
      outcome,
      plan: { from: 5, to: 10, direction: 'out', needed: 10, tiers: {}, hourlyCostBefore: 0.5, hourlyCostAfter: 1, reason: 'test' },
      compensation: [],
      timings: {},
      startedAt: new Date(at + 1000).toISOString(),
      finishedAt: new Date(at + 2000).toISOString(),
    });
  }
}

function setup(metrics: MetricsSource, learning: Record<string, unknown> = {}) {
  const sb = createSandbox();
  sb.writeConfig({ web: serviceConfig(sb.csv('web', flat(10)), { learning: { models: ['low', 'right', 'high'], underForecastPenalty: 3, exploration: 0.3, weightFloor: 0.02, ...learning } }) });
  const acts = reweightActivities(createDeps({ configPath: sb.configPath, metrics: () => metrics }));
  return { sb, acts };
}

describe('reweight from decision outcomes (no realised demand)', () => {
  it('moves weight toward the model that forecast higher when scale-outs were rolled back', async () => {
    const { sb, acts } = setup(noDemand);
    const now = Date.now();
    await seed(sb.stateRoot, 40, 'rolled-back', (k) => now - (60 - k) * STEP);
    const r = await acts.reweightService({ service: 'web', sourceId: 'rw-1/run/web' });
    expect(r).toMatchObject({ outcome: 'updated', observations: 0, outcomeRounds: 40 });
    expect(r.weights.high).toBeGreaterThan(0.6);
    expect(r.weights.high).toBeGreaterThan(r.weights.right);
    expect(r.weights.low).toBeGreaterThanOrEqual(0.02 - 1e-12);
    const v = (await new FileWeightsStore(sb.stateRoot).history('web')).at(-1)!;
    expect(v.outcomeLearning).toMatchObject({ rounds: 40, kinds: { 'under-provisioned': 40 } });
    expect(v.params).toMatchObject({ exploration: 0.3 });
    expect(v.reason).toMatch(/40 decision outcomes \(Exp3, γ 0.3\) for 40 predictions without realised demand/);

    // Same data and source id in another state dir: the same weights (seeded by the source id).
    const again = setup(noDemand);
    await seed(again.sb.stateRoot, 40, 'rolled-back', (k) => now - (60 - k) * STEP);
    expect((await again.acts.reweightService({ service: 'web', sourceId: 'rw-1/run/web' })).weights).toEqual(r.weights);
    // A retry of the same run returns the version it wrote.
    expect(await acts.reweightService({ service: 'web', sourceId: 'rw-1/run/web' })).toMatchObject({ version: 1, weights: r.weights });
  });

  it('uses Hedge, not outcomes, when realised demand exists', async () => {
    const { sb, acts } = setup(demand100);
    const now = Date.now();
    await seed(sb.stateRoot, 10, 'rolled-back', (k) => now - (30 - k) * STEP);
    const r = await acts.reweightService({ service: 'web', sourceId: 'rw-h' });
    expect(r).toMatchObject({ outcome: 'updated', observations: 30, outcomeRounds: 0 });
    expect(r.weights.right).toBeGreaterThan(r.weights.high); // demand was 100: "right" was right
    expect(r.weights.high).toBeCloseTo(r.weights.low, 9); // 20 above and 20 below weigh the same for a point forecast
  });

  it('fails (and is retried later) when there is neither realised demand nor an outcome', async () => {
    const failing: MetricsSource = { kind: 'test', range: async () => Promise.reject(new Error('source down')) };
    const { sb, acts } = setup(failing);
    await seed(sb.stateRoot, 3, 'policy-rejected', (k) => Date.now() - (10 - k) * STEP);
    await expect(acts.reweightService({ service: 'web', sourceId: 'rw-f' })).rejects.toThrow(/source down/);
    expect(await new FileWeightsStore(sb.stateRoot).history('web')).toHaveLength(0);
  });

  it('compacts the prediction store at the end: evaluated ones past the retention go, the rest stay', async () => {
    // Retention 1 h is below the lookback (lead 2m + interval 1m + approval 30s + reweight 1h): the lookback wins.
    const { sb, acts } = setup(demand100, { predictionRetention: '1h' });
    const now = Date.now();
    // 5 predictions made 3 h ago and 5 made 10 minutes ago.
    await seed(sb.stateRoot, 10, 'committed', (k) => (k < 5 ? now - 3 * HOUR + k * STEP : now - 10 * 60_000 + k * STEP));
    const r = await acts.reweightService({ service: 'web', sourceId: 'rw-c1' });
    expect(r.compaction).toEqual({ kept: 5, dropped: 5, unreadable: 0 });
    const store = new FilePredictionStore(sb.stateRoot);
    expect((await store.forService('web')).map((p) => p.id.split(':').pop())).toEqual(['5', '6', '7', '8', '9']);
    // A prediction not yet due stays; nothing is dropped twice.
    await store.append({ ...(await store.forService('web'))[0], id: `${LOOP}:run1:0`, madeAt: Date.now(), targets: [Date.now() + STEP] });
    const r2 = await acts.reweightService({ service: 'web', sourceId: 'rw-c2' });
    expect(r2).toMatchObject({ outcome: 'no-new-data', compaction: { kept: 6, dropped: 0 } });
  });

  it('links a prediction only to the decision its own loop iteration started', async () => {
    const sb = createSandbox();
    const now = Date.now();
    await seed(sb.stateRoot, 3, 'rolled-back', (k) => now - (10 - k) * STEP);
    const preds = await new FilePredictionStore(sb.stateRoot).forService('web');
    const ledger = await new FileAuditLog(sb.stateRoot).forService('web');
    expect(outcomeEvents(preds, ledger, now, 0).map((e) => [e.kind, e.acted, e.predicted.high])).toEqual([
      ['under-provisioned', 100, 120],
      ['under-provisioned', 100, 120],
      ['under-provisioned', 100, 120],
    ]);
    const otherLoop = ledger.map((r) => ({ ...r, trigger: { ...r.trigger, by: 'loop-api' } }));
    expect(outcomeEvents(preds, otherLoop, now, 0)).toEqual([]);
    const startedBefore = ledger.map((r) => ({ ...r, startedAt: new Date(now - HOUR).toISOString() }));
    expect(outcomeEvents(preds, startedBefore, now, 0)).toEqual([]);
    const shifted = ledger.map((r, i) => ({ ...r, trigger: { ...r.trigger, note: `iteration ${i + 10}: other` } }));
    expect(outcomeEvents(preds, shifted, now, 0)).toEqual([]);
  });

  it('scores exactly the prediction a decision acted on: linked by decision id, whatever triggered it', async () => {
    const sb = createSandbox();
    const now = Date.now();
    await seed(sb.stateRoot, 2, 'rolled-back', (k) => now - (10 - k) * STEP);
    // Decisions since the one planner store their own prediction under their id; the trigger does not matter.
    const preds = (await new FilePredictionStore(sb.stateRoot).forService('web')).map((p, k) => ({ ...p, id: `d${k}`, decisionId: `d${k}`, loopId: undefined }));
    const ledger = (await new FileAuditLog(sb.stateRoot).forService('web')).map((r) => ({ ...r, trigger: { kind: 'api' as const, by: 'deploy-bot' } }));
    expect(outcomeEvents(preds, ledger, now, 0).map((e) => [e.kind, e.acted])).toEqual([
      ['under-provisioned', 100],
      ['under-provisioned', 100],
    ]);
    // A prediction is never credited with another decision's outcome.
    const swapped = preds.map((p) => ({ ...p, decisionId: `other-${p.decisionId}` }));
    expect(outcomeEvents(swapped, ledger, now, 0)).toEqual([]);
  });
});

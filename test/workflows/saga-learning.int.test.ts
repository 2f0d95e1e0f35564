import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getForecaster } from '../../models/registry';
import { FileModelStore } from '../../store/model-store';
import { FilePredictionStore } from '../../store/prediction-store';
import { FileWeightsStore } from '../../store/weights-store';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';

let t: TestTemporal;
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => t?.close());

const MINUTE = 60_000;

/** Stores `model` fitted on `values` as the service's champion, its data ending `endsAgoMs` ago. */
async function champion(stateRoot: string, model: string, values: number[], endsAgoMs: number): Promise<string> {
  const store = new FileModelStore(stateRoot);
  const fitted = await getForecaster(model).fit(values, { seasons: [5], stepSeconds: 60 });
  const end = Date.now() - endsAgoMs;
  const id = `${model}-champ-${endsAgoMs}`;
  await store.put({
    id,
    service: 'weblearn',
    model,
    createdAt: new Date(end).toISOString(),
    status: 'candidate',
    lineage: {
      dataWindow: { start: new Date(end - (values.length - 1) * MINUTE).toISOString(), end: new Date(end).toISOString(), points: values.length, stepSeconds: 60, source: 'csv' },
      parameters: { fitOptions: { seasons: [5] }, description: fitted.describe() },
      scores: { holdoutMase: 0.5, holdoutPoints: 10 },
      codeVersion: 'test',
    },
    artifact: fitted.serialize(),
  });
  await store.promote('weblearn', id, 'test', 'seeded');
  return id;
}

describe('learning reaches the decision', () => {
  it('forecasts with the champion versions and the learned weights, names them in the record, and stores the prediction it acted on', async () => {
    const sb = createSandbox();
    sb.writeConfig({ weblearn: serviceConfig(sb.csv('weblearn', flat(55, 60)), { learning: { models: ['naive', 'ewma'] } }) });
    const champ = await champion(sb.stateRoot, 'ewma', flat(55, 60), MINUTE);
    await new FileWeightsStore(sb.stateRoot).append({ service: 'weblearn', weights: { naive: 0.3, ewma: 0.7 }, source: 'test-reweight', evaluatedThrough: 0, observations: 12, meanLoss: {}, reason: 'seeded' });
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision('weblearn', { timeouts: FAST_TIMEOUTS });
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(rec.outcome).toBe('committed');
    expect(rec.forecast?.models).toEqual([
      { model: 'naive', version: 'fitted-now', source: 'fitted-now', weight: 0.3 },
      expect.objectContaining({ model: 'ewma', version: champ, source: 'champion', weight: 0.7 }),
    ]);
    expect(rec.forecast?.weightsVersion).toBe(1);
    expect(rec.forecast?.planned).toMatchObject({ quantile: 0.95, bound: expect.any(String) });
    expect(rec.forecast?.predictionId).toBe(rec.id);
    expect(rec.forecast?.notes.join('\n')).toMatch(/naive: no champion yet; fitted at decision time/);
    const [pred] = await new FilePredictionStore(sb.stateRoot).forService('weblearn');
    expect(pred).toMatchObject({ id: rec.id, decisionId: rec.id, weights: { naive: 0.3, ewma: 0.7 }, weightsVersion: 1, models: { naive: 'fitted-now', ewma: champ } });
    expect(pred.plannedDemand).toBeCloseTo(rec.forecast!.planned!.demand, 9);
    expect(Object.keys(pred.perModel).sort()).toEqual(['ewma', 'naive']);
  });

  it('combines each lead with the weights of its lead bucket and records them', async () => {
    const sb = createSandbox();
    // naive and ewma disagree on a saw-tooth, so the combination shows which weights each lead used.
    const saw = Array.from({ length: 60 }, (_, i) => 40 + (i % 6) * 5);
    sb.writeConfig({ webleadweights: serviceConfig(sb.csv('webleadweights', saw), { learning: { models: ['naive', 'ewma'] } }) });
    const byLead = [
      { fromLead: 1, toLead: 1, weights: { naive: 0.9, ewma: 0.1 } },
      { fromLead: 2, toLead: 3, weights: { naive: 0.1, ewma: 0.9 } },
    ];
    await new FileWeightsStore(sb.stateRoot).append({ service: 'webleadweights', weights: { naive: 0.5, ewma: 0.5 }, byLead, source: 'test-reweight', evaluatedThrough: 0, observations: 12, meanLoss: {}, reason: 'seeded' });
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision('webleadweights', { timeouts: FAST_TIMEOUTS });
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(rec.outcome).toBe('committed');
    expect(rec.forecast?.weightsByLead).toEqual(byLead);
    const [pred] = await new FilePredictionStore(sb.stateRoot).forService('webleadweights');
    expect(pred.ensemble.length).toBeGreaterThanOrEqual(2);
    pred.ensemble.forEach((v, j) => {
      const w = j === 0 ? byLead[0].weights : j <= 2 ? byLead[1].weights : { naive: 0.5, ewma: 0.5 };
      expect(v, `lead ${j + 1}`).toBeCloseTo(w.naive * pred.perModel.naive[j] + w.ewma * pred.perModel.ewma[j], 9);
    });
    // The two models really differ at lead 1, so the check above could fail.
    expect(Math.abs(pred.perModel.naive[0] - pred.perModel.ewma[0])).toBeGreaterThan(0.1);
  });

  it('does not use a champion whose data is older than forecast.championMaxAge', async () => {
    const sb = createSandbox();
    sb.writeConfig({ weblearn: serviceConfig(sb.csv('weblearn', flat(55, 60)), { learning: { models: ['ewma'] }, forecast: { championMaxAge: '1h' } }) });
    const champ = await champion(sb.stateRoot, 'ewma', flat(55, 60), 3 * 3_600_000);
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision('weblearn', { timeouts: FAST_TIMEOUTS });
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(rec.forecast?.models?.[0]).toMatchObject({ model: 'ewma', version: 'fitted-now', source: 'fitted-now' });
    expect(rec.forecast?.notes.join('\n')).toContain(`ewma: champion ${champ} is stale`);
  });

  it('missing data is not demand: outage zeros at the end hold the fleet instead of scaling it in', async () => {
    const sb = createSandbox();
    const base = { provisioner: { type: 'dry-run', initialInstances: 15 }, learning: { models: ['naive', 'ewma'] } };
    // Demand 100 needs 10 instances; the fleet has 15. Then the metric drops to exact zeros (an outage).
    sb.writeConfig({
      outage: serviceConfig(sb.csv('outage', [...flat(100, 60), 0, 0, 0, 0]), base),
      normal: serviceConfig(sb.csv('normal', flat(100, 64)), base),
    });
    const [outage, normal] = await withWorker(t, { configPath: sb.configPath }, async () => {
      const a = await t.kinetic.startDecision('outage', { timeouts: FAST_TIMEOUTS });
      const b = await t.kinetic.startDecision('normal', { timeouts: FAST_TIMEOUTS });
      return Promise.all([t.kinetic.waitForDecision(a.decisionId), t.kinetic.waitForDecision(b.decisionId)]);
    });
    expect(normal.plan).toMatchObject({ from: 15, to: 10, direction: 'in' });
    expect(outage.outcome).toBe('no-change');
    expect(outage.plan).toMatchObject({ from: 15, to: 15 });
    expect(outage.reason).toMatch(/newest metric sample is missing: holding the fleet/);
    expect(outage.forecast?.dropouts).toEqual({ missingSteps: 2, newestMissing: true });
  });
});

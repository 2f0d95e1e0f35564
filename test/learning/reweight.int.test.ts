import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricSeries, MetricsSource } from '../../metrics/contract';
import { FilePredictionStore } from '../../store/prediction-store';
import { FileWeightsStore } from '../../store/weights-store';
import { reweightEnsemble } from '../../workflows/reweight-ensemble';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, TestTemporal, withWorker } from '../helpers/temporal';

let t: TestTemporal;
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => t?.close());

const STEP = 60_000;
/** Realised demand at time t: a saw-tooth around 100, known exactly at every step. */
const demand = (t: number) => 100 + (Math.round(t / STEP) % 7) * 5;

/** A metrics source that answers from `demand` on the step grid (like Prometheus would). */
const truth: MetricsSource = {
  kind: 'test',
  async range(_s, _m, start: Date, end: Date, stepSeconds: number): Promise<MetricSeries> {
    const step = stepSeconds * 1000;
    const first = Math.ceil(start.getTime() / step) * step;
    const values: number[] = [];
    for (let t = first; t <= end.getTime(); t += step) values.push(demand(t));
    return { start: first, stepSeconds, values, gaps: [] };
  },
};

/** 20 stored predictions of 3 one-minute steps, made 40 … 21 steps ago; `perModel` gives each model's path from the realised one. */
async function seedPredictions(stateRoot: string, service: string, weightsVersion: number, perModel: (actual: number[]) => Record<string, number[]>): Promise<void> {
  const preds = new FilePredictionStore(stateRoot);
  const now = Math.floor(Date.now() / STEP) * STEP;
  for (let k = 0; k < 20; k++) {
    const madeAt = now - (40 - k) * STEP;
    const targets = [1, 2, 3].map((j) => madeAt + j * STEP);
    const actual = targets.map(demand);
    await preds.append({ id: `${service}-${k}`, service, madeAt, stepSeconds: 60, targets, perModel: perModel(actual), ensemble: actual, weights: {}, weightsVersion, peakP90: Math.max(...actual) });
  }
}

describe('reweight', () => {
  it('moves weight toward the model that was right, scoring point errors symmetrically (the buffer carries the asymmetry)', async () => {
    const sb = createSandbox();
    sb.writeConfig({ webreweight: serviceConfig(sb.csv('webreweight', flat(10)), { learning: { underForecastPenalty: 3, learningRate: 0.1, weightFloor: 0.02 } }) });
    // 20 past forecasts of 3 steps each: "right" was exact, "low" 15% under, "high" 15% over.
    await seedPredictions(sb.stateRoot, 'webreweight', 0, (actual) => ({ right: actual, low: actual.map((v) => v * 0.85), high: actual.map((v) => v * 1.15) }));
    const run = (id: string) =>
      t.client.workflow.execute(reweightEnsemble, { workflowId: `${id}-${t.taskQueue}`, taskQueue: t.taskQueue, args: [{ services: ['webreweight'] }] });
    const [first, second] = await withWorker(t, { configPath: sb.configPath, metrics: () => truth }, async () => [await run('rw-1'), await run('rw-2')]);

    const r = first.services[0] as { outcome: string; weights: Record<string, number>; observations: number; meanLoss: Record<string, number> };
    expect(r.outcome).toBe('updated');
    expect(r.observations).toBe(60);
    // Each of the 60 errors of "low"/"high" is 15% of that step's demand: scaled by the mean demand
    // they sum to 0.15 × 60 = 9, so with η = 0.1 "right" ends e^(0.1 × 9) = e^0.9 times heavier.
    expect(r.weights.right / r.weights.high).toBeCloseTo(Math.exp(0.9), 6);
    // Same size of error above and below: the same weight (underForecastPenalty is for outcomes, not point errors).
    expect(r.weights.high).toBeCloseTo(r.weights.low, 9);
    expect(r.weights.low).toBeGreaterThanOrEqual(0.02 - 1e-12); // the floor keeps it alive
    expect(r.meanLoss.low).toBeCloseTo(r.meanLoss.high, 9);
    expect(r.meanLoss.right).toBe(0);
    // Nothing new came due: no second version, predictions are not counted twice.
    expect(second.services[0]).toMatchObject({ outcome: 'no-new-data' });
    const history = await new FileWeightsStore(sb.stateRoot).history('webreweight');
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ version: 1, observations: 60, params: { underForecastPenalty: 3, learningRate: 0.1, weightFloor: 0.02 } });
  });
  it('learns weights per lead bucket; a record written before them seeds the new buckets with its single vector', async () => {
    const sb = createSandbox();
    sb.writeConfig({ webreweightlead: serviceConfig(sb.csv('webreweightlead', flat(10)), { learning: { learningRate: 0.1, weightFloor: 0.02 } }) });
    // An older weights version, without `byLead`.
    await new FileWeightsStore(sb.stateRoot).append({
      service: 'webreweightlead',
      weights: { near: 0.7, far: 0.3 },
      source: 'initial',
      evaluatedThrough: 0,
      observations: 0,
      meanLoss: {},
      reason: 'seeded by the test',
    });
    // "near" is exact at lead 1 and 15% low at leads 2–3; "far" the other way round.
    await seedPredictions(sb.stateRoot, 'webreweightlead', 1, (actual) => ({
      near: actual.map((v, j) => (j === 0 ? v : v * 0.85)),
      far: actual.map((v, j) => (j === 0 ? v * 0.85 : v)),
    }));
    const r = (await withWorker(t, { configPath: sb.configPath, metrics: () => truth }, () =>
      t.client.workflow.execute(reweightEnsemble, { workflowId: `rw-lead-${t.taskQueue}`, taskQueue: t.taskQueue, args: [{ services: ['webreweightlead'] }] }),
    )).services[0] as { outcome: string; byLead?: Array<{ fromLead: number; toLead: number; weights: Record<string, number> }> };
    expect(r.outcome).toBe('updated');
    expect(r.byLead?.map((b) => [b.fromLead, b.toLead])).toEqual([
      [1, 1],
      [2, 3],
    ]);
    const [lead1, leads23] = r.byLead!;
    // Lead 1: 20 errors of 15% (scaled by that bucket's mean demand, sum 0.15 × 20 = 3), from 0.7 : 0.3.
    expect(lead1.weights.near / lead1.weights.far).toBeCloseTo((0.7 / 0.3) * Math.exp(0.1 * 3), 6);
    // Leads 2–3: 40 such errors for "near" (sum 6).
    expect(leads23.weights.far / leads23.weights.near).toBeCloseTo((0.3 / 0.7) * Math.exp(0.1 * 6), 6);
    const history = await new FileWeightsStore(sb.stateRoot).history('webreweightlead');
    expect(history).toHaveLength(2);
    expect(history[1].byLead).toEqual(r.byLead);
    expect(history[1].weights.near).toBeGreaterThan(0); // the pooled vector is still recorded
  });
});

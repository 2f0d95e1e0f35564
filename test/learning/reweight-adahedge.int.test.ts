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
const demand = (t: number) => 100 + (Math.round(t / STEP) % 7) * 5;

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

describe('reweight with learningRate: auto (AdaHedge)', () => {
  it('starts fresh from a version without AdaHedge state, stores its state, and the next reweight continues it', async () => {
    const sb = createSandbox();
    const service = 'webadahedge';
    sb.writeConfig({ [service]: serviceConfig(sb.csv(service, flat(10)), { learning: { learningRate: 'auto', weightFloor: 0.02 } }) });
    const store = new FileWeightsStore(sb.stateRoot);
    // A version written before AdaHedge (or by fixed-η Hedge): weights, no state.
    await store.append({ service, weights: { right: 0.2, low: 0.4, high: 0.4 }, source: 'initial', evaluatedThrough: 0, observations: 0, meanLoss: {}, reason: 'seeded' });
    const preds = new FilePredictionStore(sb.stateRoot);
    const now = Math.floor(Date.now() / STEP) * STEP;
    const predict = async (k: number, madeAt: number) => {
      const targets = [1, 2, 3].map((j) => madeAt + j * STEP);
      const actual = targets.map(demand);
      await preds.append({
        id: `p${k}`,
        service,
        madeAt,
        stepSeconds: 60,
        targets,
        perModel: { right: actual, low: actual.map((v) => v * 0.85), high: actual.map((v) => v * 1.15) },
        ensemble: actual,
        weights: {},
        weightsVersion: 1,
        peakP90: Math.max(...actual),
      });
    };
    for (let k = 0; k < 20; k++) await predict(k, now - (40 - k) * STEP);
    const run = (id: string) =>
      t.client.workflow.execute(reweightEnsemble, { workflowId: `${id}-${t.taskQueue}`, taskQueue: t.taskQueue, args: [{ services: [service] }] });
    await withWorker(t, { configPath: sb.configPath, metrics: () => truth }, async () => {
      await run('ada-1');
      // Ten more predictions come due after the first version's cursor.
      for (let k = 20; k < 30; k++) await predict(k, now - (40 - k) * STEP);
      await run('ada-2');
    });

    const [, v2, v3] = await store.history(service);
    expect(v2.params?.learningRate).toBe('auto');
    expect(v2.reason).toMatch(/AdaHedge η/);
    // Fresh from the seeded weights: they are the prior, and the losses start at 0. Each of the 60
    // errors of "low"/"high" is 15 % of that step's demand; scaled by the batch's mean demand they
    // sum to 0.15 × 60 = 9.
    expect(v2.adaHedge?.prior).toEqual({ high: expect.closeTo(0.4, 12), low: expect.closeTo(0.4, 12), right: expect.closeTo(0.2, 12) });
    expect(v2.adaHedge?.losses.right).toBe(0);
    expect(v2.adaHedge?.losses.low).toBeCloseTo(9, 9);
    expect(v2.adaHedge?.losses.high).toBeCloseTo(9, 9);
    // Round 1 is played at η = ∞ with every model tied, so the gap is at least what the prior's
    // mixture lost then (0.8 × 0.15 × that step's demand / mean demand > 0.1), and it stays small:
    // η = ln 3 / Δ puts e^(−η·9) ≈ 0 on low and high, which the floor lifts to 0.02.
    expect(v2.adaHedge!.gap).toBeGreaterThan(0.1);
    expect(v2.weights.low).toBeCloseTo(0.02, 9);
    expect(v2.weights.high).toBeCloseTo(0.02, 9);
    expect(v2.weights.right).toBeCloseTo(0.96, 9);
    // The second batch (30 points, 15 % errors again: 0.15 × 30 = 4.5) continues the same state.
    expect(v3.observations).toBe(30);
    expect(v3.adaHedge?.prior).toEqual(v2.adaHedge?.prior);
    expect(v3.adaHedge?.losses.low).toBeCloseTo(9 + 4.5, 9);
    expect(v3.adaHedge?.losses.right).toBe(0);
    expect(v3.adaHedge!.gap).toBeGreaterThanOrEqual(v2.adaHedge!.gap);
  });
});

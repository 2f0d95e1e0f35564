import { describe, expect, it } from 'vitest';
import { applyFloor, asymmetricLoss, equalWeights, hedge } from '../../learning/hedge';
import { holdoutMase, judgeChallenger } from '../../learning/champion';

describe('hedge', () => {
  it('charges under-forecasts `penalty` per unit and over-forecasts 1', () => {
    expect(asymmetricLoss(100, 90, 3)).toBe(30);
    expect(asymmetricLoss(100, 110, 3)).toBe(10);
  });

  it('keeps every weight at or above the floor and the sum at 1', () => {
    const w = applyFloor({ a: 1, b: 0, c: 0 }, ['a', 'b', 'c'], 0.05);
    expect(Object.values(w).reduce((x, y) => x + y, 0)).toBeCloseTo(1);
    expect(Math.min(...Object.values(w))).toBeCloseTo(0.05);
  });

  it('moves weight to the right model, then back after a regime change', () => {
    const models = ['a', 'b'];
    const opts = { learningRate: 0.5, underForecastPenalty: 2, weightFloor: 0.02 };
    const phase1 = Array.from({ length: 30 }, () => ({ actual: 100, predicted: { a: 100, b: 70 } }));
    const r1 = hedge(equalWeights(models), models, phase1, opts);
    expect(r1.weights.a).toBeGreaterThan(0.95);
    const phase2 = Array.from({ length: 30 }, () => ({ actual: 70, predicted: { a: 100, b: 70 } }));
    const r2 = hedge(r1.weights, models, phase2, opts);
    expect(r2.weights.b).toBeGreaterThan(0.9); // the floor let b recover
  });

  it('ignores observations without a realised value', () => {
    const r = hedge(equalWeights(['a']), ['a'], [{ actual: NaN, predicted: { a: 1 } }], { learningRate: 1, underForecastPenalty: 1, weightFloor: 0 });
    expect(r.observations).toBe(0);
  });
});

describe('champion/challenger', () => {
  it('promotes the first version and only clear improvements', () => {
    expect(judgeChallenger(1, undefined, 0.05).promote).toBe(true);
    expect(judgeChallenger(0.9, 1, 0.05).promote).toBe(true);
    expect(judgeChallenger(0.96, 1, 0.05).promote).toBe(false);
    expect(judgeChallenger(1.2, 1, 0).promote).toBe(false);
    expect(judgeChallenger(NaN, 1, 0).promote).toBe(false);
  });

  it('scores the holdout by MASE against the training part', () => {
    expect(holdoutMase([2, 4], [2, 4], [1, 2, 3])).toBe(0);
    expect(holdoutMase([2, 4], [3, 5], [1, 2, 3])).toBe(1);
  });
});

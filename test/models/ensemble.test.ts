import { describe, expect, it } from 'vitest';
import { decayedMae, ensembleForecaster, weightsFromScores } from '../../models/ensemble';
import { autoForecast } from '../../models/index';
import { seasonalSeries } from './synthetic';

const forecastAt = (origin: number, point: number[]) => ({ origin, forecast: { model: 'x', horizon: point.length, point, quantiles: { p05: point, p50: point, p90: point, p95: point, p99: point } } });

describe('ensemble weights', () => {
  it('gives more weight to the model with smaller recent errors, respecting the floor', () => {
    const { weights, reasons } = weightsFromScores(['a', 'b', 'c', 'd'], [1, 1.2, 1.9, 100], { power: 2, floor: 0.2, mode: 'weighted' });
    expect(weights[0]).toBeGreaterThan(weights[1]);
    expect(weights[1]).toBeGreaterThan(weights[2]);
    // c is within 2× the best: lifted to the floor; d is 100× worse: no floor, near-zero weight.
    expect(weights[2]).toBeCloseTo(0.2, 10);
    expect(weights[3]).toBeLessThan(1e-3);
    expect(weights.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 10);
    expect(reasons[0]).toMatch(/rank 1 of 4.*best/);
    expect(reasons[2]).toMatch(/floor/);
    expect(reasons[3]).toMatch(/more than 2× the best/);
    const failed = weightsFromScores(['a', 'b'], [1, NaN], { power: 2, floor: 0.05, mode: 'weighted' });
    expect(failed.weights).toEqual([1, 0]);
    expect(failed.reasons[1]).toMatch(/excluded/);
  });

  it('consensus mode keeps the best three', () => {
    const { weights, reasons } = weightsFromScores(['a', 'b', 'c', 'd'], [4, 1, 3, 2], { power: 2, floor: 0, mode: 'consensus' });
    expect(weights).toEqual([0, 1 / 3, 1 / 3, 1 / 3]);
    expect(reasons[0]).toMatch(/not among the best three/);
  });

  it('decays old errors: with a short half-life the recent winner scores better', () => {
    const y = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    // Model A errs early (|5| at t=2), model B errs late (|5| at t=9).
    const a = [forecastAt(2, [5]), forecastAt(9, [0])];
    const b = [forecastAt(2, [0]), forecastAt(9, [5])];
    expect(decayedMae(y, a, 1)).toBeLessThan(decayedMae(y, b, 1));
    expect(decayedMae(y, a, 1e9)).toBeCloseTo(decayedMae(y, b, 1e9), 6);
  });

  it('moves weight toward the better model on real fits and explains every weight', async () => {
    const y = seasonalSeries(24 * 14, { amp: 20, sd: 1, seed: 7 });
    const model = await ensembleForecaster({ models: ['naive', 'seasonalNaive'] }).fit(y, { horizon: 12, seasons: [24] });
    const w = Object.fromEntries(model.weights().map((x) => [x.model, x]));
    expect(w.seasonalNaive.weight).toBeGreaterThan(0.8);
    expect(w.naive.weight).toBeLessThan(w.seasonalNaive.weight);
    expect(w.naive.reason).toMatch(/decayed MAE/);
    // After a regime change (the cycle stops), the naive model takes over.
    const flat = [...y, ...new Array(24 * 3).fill(y[y.length - 1])];
    const later = await ensembleForecaster({ models: ['naive', 'seasonalNaive'], halfLifeSteps: 12 }).fit(flat, { horizon: 12, seasons: [24] });
    const w2 = Object.fromEntries(later.weights().map((x) => [x.model, x.weight]));
    expect(w2.naive).toBeGreaterThan(w2.seasonalNaive);
  });

  it('serialises to JSON and back to identical forecasts', async () => {
    const y = seasonalSeries(24 * 10, { seed: 9 });
    const f = ensembleForecaster({ models: ['naive', 'seasonalNaive', 'ewma'] });
    const model = await f.fit(y, { horizon: 6, seasons: [24] });
    const back = f.deserialize(JSON.parse(JSON.stringify(model.serialize())));
    expect(back.forecast(6)).toEqual(model.forecast(6));
  });

  it('autoForecast flags cold start and widens intervals on short history', async () => {
    const r = await autoForecast([10, 12, 11, 13, 12, 14, 13, 12], { horizon: 4, seasons: [24] });
    expect(r.coldStart).toBe(true);
    expect(r.chosen.sort()).toEqual(['ewma', 'naive']);
    const f = r.forecast;
    expect(f.quantiles.p95[0] - f.quantiles.p05[0]).toBeGreaterThan(0.5 * f.point[0]);
    const warm = await autoForecast(seasonalSeries(24 * 8, { seed: 2 }), { horizon: 6, seasons: [24], models: ['naive', 'seasonalNaive', 'ewma'] });
    expect(warm.coldStart).toBe(false);
    expect(warm.forecast.point).toHaveLength(6);
    expect(warm.weights.reduce((s, w) => s + w.weight, 0)).toBeCloseTo(1, 8);
  });
});

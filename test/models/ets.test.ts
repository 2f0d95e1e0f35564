import { describe, expect, it } from 'vitest';
import { expectSaneForecast as expectSane, rng } from './synthetic';
import { etsForecaster } from '../../models/ets';

const m = 24;
function seasonal(n: number, slope: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, t) => 100 + slope * t + 20 * Math.sin((2 * Math.PI * t) / m) + (r() - 0.5) * 2);
}

describe('etsForecaster', () => {
  it('recovers trend and seasonality on a synthetic series', async () => {
    const all = seasonal(24 * 12, 0.2, 1);
    const train = all.slice(0, 24 * 10);
    const model = await etsForecaster.fit(train, { seasons: [m] });
    expect(model.describe()).toMatch(/ETS\(A,(A|Ad),(A|M)\) season 24/);
    const f = model.forecast(48);
    expectSane(f, 48);
    const mae = f.point.reduce((s, p, h) => s + Math.abs(p - all[240 + h]), 0) / 48;
    expect(mae).toBeLessThan(3);
    // The noise is uniform +-1, so most actuals must fall inside the 90% band.
    const inside = f.point.filter((_, h) => all[240 + h] >= f.quantiles.p05[h] && all[240 + h] <= f.quantiles.p95[h]).length;
    expect(inside / 48).toBeGreaterThan(0.7);
  });

  it('continues a linear trend when there is no season', async () => {
    const r = rng(2);
    const train = Array.from({ length: 200 }, (_, t) => 10 + 0.5 * t + (r() - 0.5));
    const model = await etsForecaster.fit(train);
    expect(model.describe()).toMatch(/ETS\(A,(A|Ad),N\)/);
    const f = model.forecast(10);
    expect(f.point[9]).toBeGreaterThan(train[199] + 2);
    expect(f.point[9]).toBeLessThan(train[199] + 6);
  });

  it('uses the shortest season with two full cycles (daily of daily+weekly at 5 min)', async () => {
    const r = rng(3);
    const train = Array.from({ length: 288 * 3 }, (_, t) => 50 + 30 * Math.sin((2 * Math.PI * t) / 288) + r());
    const model = await etsForecaster.fit(train, { seasons: [288, 2016], stepSeconds: 300 });
    expect(model.describe()).toMatch(/season 288/);
    const f = model.forecast(288);
    expectSane(f, 288);
    expect(f.coldStart).toBe(false);
    // Peak of the forecast lands near the peak phase of the daily sine (t mod 288 = 72).
    const peak = f.point.indexOf(Math.max(...f.point));
    expect(Math.abs(peak - 72)).toBeLessThan(15);
  });

  it('marks cold start when there are fewer than two seasons', async () => {
    const model = await etsForecaster.fit(seasonal(30, 0, 4), { seasons: [m] });
    const f = model.forecast(12);
    expect(f.coldStart).toBe(true);
    expectSane(f, 12);
  });

  it.each([
    ['constant', Array.from({ length: 100 }, () => 7)],
    ['all zeros', Array.from({ length: 100 }, () => 0)],
    ['spikes', Array.from({ length: 120 }, (_, t) => (t % 17 === 0 ? 1e6 : 1))],
    ['one point', [5]],
    ['two points', [5, 9]],
    ['huge magnitudes', seasonal(24 * 6, 0.1, 5).map((v) => v * 1e9)],
    ['intermittent', Array.from({ length: 150 }, (_, t) => (t % 5 === 0 ? 3 : 0))],
  ])('gives finite, ordered, non-negative forecasts for %s', async (_name, series) => {
    const model = await etsForecaster.fit(series, { seasons: [m] });
    const f = model.forecast(60);
    expectSane(f, 60);
    // Degenerate fits (fallbacks, zero spreads) must survive JSON too.
    expect(etsForecaster.deserialize(JSON.parse(JSON.stringify(model.serialize()))).forecast(60)).toEqual(f);
  });

  it('round-trips through JSON to identical forecasts', async () => {
    const model = await etsForecaster.fit(seasonal(24 * 8, 0.1, 6), { seasons: [m] });
    const restored = etsForecaster.deserialize(JSON.parse(JSON.stringify(model.serialize())));
    expect(restored.forecast(50)).toEqual(model.forecast(50));
    expect(restored.describe()).toBe(model.describe());
  });

  it('forecastFrom re-runs the filter without refitting', async () => {
    const all = seasonal(24 * 10, 0.1, 7);
    const model = await etsForecaster.fit(all.slice(0, 24 * 8), { seasons: [m] });
    expect(model.forecastFrom?.(all.slice(0, 24 * 8), 24)).toEqual(model.forecast(24));
    const later = model.forecastFrom?.(all, 24);
    if (!later) throw new Error('forecastFrom missing');
    expectSane(later, 24);
    // Two days later the trend has moved the level up by ~0.1 * 48.
    expect(later.point[0]).toBeGreaterThan(model.forecast(49).point[48] - 3);
  });

  it('accepts negative values (deltas) and does not clip them at zero', async () => {
    const deltas = Array.from({ length: 240 }, (_, t) => 5 * Math.sin((2 * Math.PI * t) / 24) + 0.1 * Math.cos(t * 7.3));
    const model = await etsForecaster.fit(deltas, { seasons: [24] });
    const f = model.forecast(24);
    expect(Math.min(...f.point)).toBeLessThan(-2);
    for (let h = 0; h < 24; h++) {
      expect(Number.isFinite(f.point[h])).toBe(true);
      expect(f.quantiles.p05[h]).toBeLessThanOrEqual(f.quantiles.p50[h]);
      expect(f.quantiles.p50[h]).toBeLessThanOrEqual(f.quantiles.p99[h]);
    }
  });
});

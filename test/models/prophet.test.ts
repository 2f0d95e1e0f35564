import { describe, expect, it } from 'vitest';
import { expectSaneForecast as expectSane, rng } from './synthetic';
import { prophetForecaster } from '../../models/prophet';

const hourly = { stepSeconds: 3600 };
const day = 24;
const week = 168;

/** Hourly demand: level + trend + daily and weekly cycles + uniform noise. */
function demand(n: number, seed: number, slope = 0.05): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, t) => 100 + slope * t + 20 * Math.sin((2 * Math.PI * t) / day) + 10 * Math.cos((2 * Math.PI * t) / week) + (r() - 0.5) * 4);
}

describe('prophetForecaster', () => {
  it('recovers trend with daily and weekly seasonality', async () => {
    const all = demand(week * 4, 1);
    const n = week * 3;
    const model = await prophetForecaster.fit(all.slice(0, n), hourly);
    expect(model.describe()).toMatch(/daily\(K=\d+\), weekly\(K=3\)/);
    const f = model.forecast(week);
    expectSane(f, week);
    const mae = f.point.reduce((s, p, h) => s + Math.abs(p - all[n + h]), 0) / week;
    expect(mae).toBeLessThan(3);
  });

  it('adds weekly seasonality only with two weeks of data', async () => {
    const model = await prophetForecaster.fit(demand(day * 10, 2), hourly);
    expect(model.describe()).toMatch(/daily/);
    expect(model.describe()).not.toMatch(/weekly/);
  });

  it('finds a changepoint and extrapolates the new slope', async () => {
    const r = rng(3);
    const n = 600;
    const y = Array.from({ length: n }, (_, t) => 50 + (t < 300 ? 0.5 * t : 150 - 0.2 * (t - 300)) + 10 * Math.sin((2 * Math.PI * t) / day) + (r() - 0.5) * 2);
    const model = await prophetForecaster.fit(y, hourly);
    expect(model.describe()).toMatch(/[1-9]\d*\/25 active changepoints/);
    const f = model.forecast(4 * day);
    expectSane(f, 4 * day);
    // Four whole days apart the daily cycle cancels, leaving the trend slope.
    const slope = (f.point[4 * day - 1] - f.point[0]) / (4 * day - 1);
    expect(slope).toBeGreaterThan(-0.3);
    expect(slope).toBeLessThan(-0.1);
  });

  it('learns an event bump from history and applies it to the same event in the future', async () => {
    const base = demand(week * 3, 4, 0);
    const n = base.length;
    const y = base.map((v, t) => (t >= 200 && t < 230 ? v * 1.5 : v));
    const events = [
      { name: 'campaign', start: 200, end: 230, multiplier: 1.2 },
      { name: 'campaign', start: n + 10, end: n + 30, multiplier: 1.2 },
    ];
    const withEvent = await prophetForecaster.fit(y, { ...hourly, events });
    const without = await prophetForecaster.fit(y, { ...hourly, events: events.slice(0, 1) });
    expect(withEvent.describe()).toMatch(/campaign x1\.[45]\d learned/);
    const a = withEvent.forecast(48);
    const b = without.forecast(48);
    expectSane(a, 48);
    for (let h = 10; h < 30; h++) expect(a.point[h] / b.point[h]).toBeGreaterThan(1.4);
    for (let h = 0; h < 10; h++) expect(a.point[h]).toBeCloseTo(b.point[h], 6);
    expect(a.notes?.join(' ')).toMatch(/campaign/);
  });

  it('applies the given multiplier for an event only in the future (marketing campaign)', async () => {
    const y = demand(week * 2, 5);
    const n = y.length;
    const plain = (await prophetForecaster.fit(y, hourly)).forecast(30);
    const launch = (await prophetForecaster.fit(y, { ...hourly, events: [{ name: 'launch', start: n + 5, end: n + 15, multiplier: 2 }] })).forecast(30);
    for (let h = 0; h < 30; h++) {
      const ratio = launch.point[h] / plain.point[h];
      expect(ratio).toBeCloseTo(h >= 5 && h < 15 ? 2 : 1, 6);
    }
    // Upper quantiles move with the bump too, so capacity buffers cover it.
    expect(launch.quantiles.p95[8]).toBeGreaterThan(plain.quantiles.p95[8] * 1.5);
  });

  it('rejects malformed events with a clear message', async () => {
    await expect(prophetForecaster.fit(demand(100, 6), { events: [{ name: 'bad', start: 10, end: 5, multiplier: 2 }] })).rejects.toThrow(/events\[0\] \(bad\)/);
  });

  it.each([
    ['constant', Array.from({ length: 100 }, () => 7)],
    ['all zeros', Array.from({ length: 100 }, () => 0)],
    ['spikes', Array.from({ length: 200 }, (_, t) => (t % 17 === 0 ? 1e6 : 1))],
    ['one point', [5]],
    ['very short', [5, 9, 4]],
    ['huge magnitudes', demand(200, 7).map((v) => v * 1e9)],
  ])('gives finite, ordered, non-negative forecasts for %s', async (_name, series) => {
    const model = await prophetForecaster.fit(series, hourly);
    const f = model.forecast(100);
    expectSane(f, 100);
    // Degenerate fits (fallbacks, zero spreads) must survive JSON too.
    expect(prophetForecaster.deserialize(JSON.parse(JSON.stringify(model.serialize()))).forecast(100)).toEqual(f);
  });

  it('round-trips through JSON to identical forecasts', async () => {
    const y = demand(week * 2, 8);
    const model = await prophetForecaster.fit(y, { ...hourly, events: [{ name: 'x', start: y.length + 2, end: y.length + 6, multiplier: 1.3 }] });
    const restored = prophetForecaster.deserialize(JSON.parse(JSON.stringify(model.serialize())));
    expect(restored.forecast(24)).toEqual(model.forecast(24));
    expect(restored.describe()).toBe(model.describe());
  });


  it('accepts negative values (deltas) and does not clip them at zero', async () => {
    const deltas = Array.from({ length: 240 }, (_, t) => 5 * Math.sin((2 * Math.PI * t) / 24) + 0.1 * Math.cos(t * 7.3));
    const model = await prophetForecaster.fit(deltas, { seasons: [24] });
    const f = model.forecast(24);
    expect(Math.min(...f.point)).toBeLessThan(-2);
    for (let h = 0; h < 24; h++) {
      expect(Number.isFinite(f.point[h])).toBe(true);
      expect(f.quantiles.p05[h]).toBeLessThanOrEqual(f.quantiles.p50[h]);
      expect(f.quantiles.p50[h]).toBeLessThanOrEqual(f.quantiles.p99[h]);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { expectSaneForecast as expectSane, rng } from './synthetic';
import { sarimaForecaster } from '../../models/sarima';
import { SerializedModel } from '../../models/contract';

function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

describe('sarimaForecaster', () => {
  it('recovers AR(1) dynamics: decays from the last value towards the mean', async () => {
    const r = rng(1);
    const y = [50];
    for (let t = 1; t < 600; t++) y.push(50 + 0.7 * (y[t - 1] - 50) + 3 * gaussian(r));
    const model = await sarimaForecaster.fit(y);
    const f = model.forecast(60);
    expectSane(f, 60);
    const expected1 = 50 + 0.7 * (y[599] - 50);
    expect(Math.abs(f.point[0] - expected1)).toBeLessThan(1.5);
    expect(Math.abs(f.point[59] - 50)).toBeLessThan(3);
    // One-step band: 90% of N(0, 3^2) is +-4.9; allow for estimation error.
    const width = f.quantiles.p95[0] - f.quantiles.p05[0];
    expect(width).toBeGreaterThan(7);
    expect(width).toBeLessThan(13);
  });

  it('recovers a trend with a season', async () => {
    const r = rng(2);
    const m = 24;
    const all = Array.from({ length: 24 * 14 }, (_, t) => 100 + 0.3 * t + 15 * Math.sin((2 * Math.PI * t) / m) + gaussian(r));
    const model = await sarimaForecaster.fit(all.slice(0, 24 * 12), { seasons: [m] });
    expect(model.describe()).toMatch(/\[24\]/);
    const f = model.forecast(48);
    expectSane(f, 48);
    const mae = f.point.reduce((s, p, h) => s + Math.abs(p - all[24 * 12 + h]), 0) / 48;
    expect(mae).toBeLessThan(3);
  });

  it('handles daily and weekly seasons at 5 minutes quickly', async () => {
    const r = rng(3);
    const n = 4032;
    const y = Array.from({ length: n + 288 }, (_, t) => 40 + 10 * Math.sin((2 * Math.PI * t) / 288) + 5 * Math.sin((2 * Math.PI * t) / 2016) + gaussian(r));
    const started = performance.now();
    const model = await sarimaForecaster.fit(y.slice(0, n), { seasons: [288, 2016], stepSeconds: 300 });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(model.describe()).toMatch(/\[288\] \+ Fourier periods 2016/);
    const f = model.forecast(288);
    expectSane(f, 288);
    const mae = f.point.reduce((s, p, h) => s + Math.abs(p - y[n + h]), 0) / 288;
    expect(mae).toBeLessThan(2.5);
  });

  it('falls back to seasonal naive when the forecast diverges, and says so', async () => {
    const r = rng(4);
    const y = Array.from({ length: 300 }, () => 20 + gaussian(r));
    const model = await sarimaForecaster.fit(y);
    const json = JSON.parse(JSON.stringify(model.serialize())) as SerializedModel;
    const state = json.state as { order: { p: number; d: number; q: number; P: number; D: number; Q: number }; phi: number[]; theta: number[]; sphi: number[]; stheta: number[]; xTail: number[] };
    // Force an explosive AR(1) coefficient that the fitter itself can never produce.
    Object.assign(state.order, { p: 1, d: 0, q: 0, P: 0, D: 0, Q: 0 });
    state.phi = [1.5];
    state.theta = [];
    state.sphi = [];
    state.stheta = [];
    state.xTail = [state.xTail[state.xTail.length - 1] || 1];
    const f = sarimaForecaster.deserialize(json).forecast(200);
    expectSane(f, 200);
    expect(f.notes?.join(' ')).toMatch(/diverged/);
    expect(Math.max(...f.point)).toBeLessThan(30);
  });

  it.each([
    ['constant', Array.from({ length: 100 }, () => 7)],
    ['all zeros', Array.from({ length: 100 }, () => 0)],
    ['spikes', Array.from({ length: 200 }, (_, t) => (t % 17 === 0 ? 1e6 : 1))],
    ['one point', [5]],
    ['very short', [5, 9, 4, 7]],
    ['huge magnitudes', Array.from({ length: 150 }, (_, t) => 1e9 * (3 + Math.sin(t / 3)))],
    ['random walk', (() => { const r = rng(9); const y = [100]; for (let t = 1; t < 300; t++) y.push(Math.max(0, y[t - 1] + 5 * gaussian(r))); return y; })()],
  ])('gives finite, ordered, non-negative forecasts for %s', async (_name, series) => {
    const model = await sarimaForecaster.fit(series, { seasons: [24] });
    const f = model.forecast(100);
    expectSane(f, 100);
    // Degenerate fits (fallbacks, zero spreads) must survive JSON too.
    expect(sarimaForecaster.deserialize(JSON.parse(JSON.stringify(model.serialize()))).forecast(100)).toEqual(f);
  });

  it('says when it could not fit and used the fallback', async () => {
    const f = (await sarimaForecaster.fit([3, 4, 5])).forecast(5);
    expect(f.notes?.join(' ')).toMatch(/too short/);
    expectSane(f, 5);
  });

  it('round-trips through JSON to identical forecasts', async () => {
    const r = rng(5);
    const y = Array.from({ length: 24 * 8 }, (_, t) => 30 + 5 * Math.sin((2 * Math.PI * t) / 24) + gaussian(r));
    const model = await sarimaForecaster.fit(y, { seasons: [24] });
    const restored = sarimaForecaster.deserialize(JSON.parse(JSON.stringify(model.serialize())));
    expect(restored.forecast(60)).toEqual(model.forecast(60));
    expect(restored.describe()).toBe(model.describe());
  });

  it('forecastFrom runs the fitted filter over a longer history', async () => {
    const r = rng(6);
    const y = Array.from({ length: 24 * 10 }, (_, t) => 30 + 0.05 * t + 5 * Math.sin((2 * Math.PI * t) / 24) + gaussian(r));
    const model = await sarimaForecaster.fit(y.slice(0, 24 * 8), { seasons: [24] });
    expect(model.forecastFrom?.(y.slice(0, 24 * 8), 24)).toEqual(model.forecast(24));
    const later = model.forecastFrom?.(y, 24);
    if (!later) throw new Error('forecastFrom missing');
    expectSane(later, 24);
    const mae = later.point.reduce((s, p, h) => s + Math.abs(p - (30 + 0.05 * (240 + h) + 5 * Math.sin((2 * Math.PI * (240 + h)) / 24))), 0) / 24;
    expect(mae).toBeLessThan(2.5);
  });

  it('accepts negative values (deltas) and does not clip them at zero', async () => {
    const deltas = Array.from({ length: 240 }, (_, t) => 5 * Math.sin((2 * Math.PI * t) / 24) + 0.1 * Math.cos(t * 7.3));
    const model = await sarimaForecaster.fit(deltas, { seasons: [24] });
    const f = model.forecast(24);
    expect(Math.min(...f.point)).toBeLessThan(-2);
    for (let h = 0; h < 24; h++) {
      expect(Number.isFinite(f.point[h])).toBe(true);
      expect(f.quantiles.p05[h]).toBeLessThanOrEqual(f.quantiles.p50[h]);
      expect(f.quantiles.p50[h]).toBeLessThanOrEqual(f.quantiles.p99[h]);
    }
  });
});

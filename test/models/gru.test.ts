import { describe, expect, it } from 'vitest';
import { expectSaneForecast as expectSane, rng } from './synthetic';
import { createGruForecaster, gruForecaster } from '../../models/gru';

const m = 24;
/** Seasonal series with an AR(1) disturbance the network can learn from the window. */
function series(n: number, seed: number): number[] {
  const r = rng(seed);
  let ar = 0;
  return Array.from({ length: n }, (_, t) => {
    ar = 0.8 * ar + (r() - 0.5) * 4;
    return 50 + 20 * Math.sin((2 * Math.PI * t) / m) + ar;
  });
}

// A smaller training budget keeps the file fast; the default export trains longer.
const fast = createGruForecaster({ epochs: 3, maxTrain: 192 });

describe('gruForecaster', () => {
  const train = series(400, 1);
  const future = series(448, 1).slice(400);

  it('is reproducible with the same seed and differs with another', async () => {
    const a = await fast.fit(train, { seasons: [m], seed: 7 });
    const b = await fast.fit(train, { seasons: [m], seed: 7 });
    const c = await fast.fit(train, { seasons: [m], seed: 8 });
    expect(JSON.stringify(a.serialize())).toBe(JSON.stringify(b.serialize()));
    expect(a.forecast(24)).toEqual(b.forecast(24));
    expect(JSON.stringify(c.serialize())).not.toBe(JSON.stringify(a.serialize()));
  });

  it('recovers the seasonal structure and beats the series mean', async () => {
    const model = await fast.fit(train, { seasons: [m], seed: 3 });
    expect(model.describe()).toMatch(/GRU\(16\).*daily shape 24/);
    const f = model.forecast(48);
    expectSane(f, 48);
    const avg = train.reduce((s, v) => s + v, 0) / train.length;
    const mae = f.point.reduce((s, p, h) => s + Math.abs(p - future[h]), 0) / 48;
    const maeMean = future.reduce((s, v) => s + Math.abs(v - avg), 0) / 48;
    expect(mae).toBeLessThan(0.4 * maeMean);
    // Restored models run without tfjs and forecast long horizons quickly.
    // The default forecaster restores any GRU model: the config travels in the state.
    const restored = gruForecaster.deserialize(JSON.parse(JSON.stringify(model.serialize())));
    const started = performance.now();
    const long = restored.forecast(288);
    expect(performance.now() - started).toBeLessThan(50);
    expectSane(long, 288);
    expect(restored.forecast(48)).toEqual(f);
    // forecastFrom on the fitted history is the same forecast; a later origin moves it on.
    expect(restored.forecastFrom?.(train, 48)).toEqual(f);
    const later = restored.forecastFrom?.(train.concat(future.slice(0, 12)), 24);
    if (!later) throw new Error('forecastFrom missing');
    expectSane(later, 24);
    const maeLater = later.point.reduce((s, p, h) => s + Math.abs(p - future[12 + h]), 0) / 24;
    expect(maeLater).toBeLessThan(0.4 * maeMean);
  });

  it.each([
    ['constant', Array.from({ length: 120 }, () => 7)],
    ['all zeros', Array.from({ length: 120 }, () => 0)],
    ['spikes', Array.from({ length: 120 }, (_, t) => (t % 17 === 0 ? 1e6 : 1))],
    ['one point', [5]],
    ['very short', [5, 9, 4, 6, 8]],
    ['huge magnitudes', series(120, 4).map((v) => v * 1e9)],
  ])('gives finite, ordered, non-negative forecasts for %s', async (_name, values) => {
    const model = await fast.fit(values, { seasons: [m], seed: 1 });
    const f = model.forecast(60);
    expectSane(f, 60);
    // Degenerate fits (fallbacks, zero spreads) must survive JSON too.
    expect(gruForecaster.deserialize(JSON.parse(JSON.stringify(model.serialize()))).forecast(60)).toEqual(f);
  });

  it('says why it did not train on very short input', async () => {
    const f = (await fast.fit([3, 4, 5, 6], { seed: 1 })).forecast(3);
    expect(f.coldStart).toBe(true);
    expect(f.notes?.join(' ')).toMatch(/not trained/);
  });

  it('accepts negative values (deltas) and does not clip them at zero', async () => {
    const deltas = Array.from({ length: 240 }, (_, t) => 5 * Math.sin((2 * Math.PI * t) / 24) + 0.1 * Math.cos(t * 7.3));
    const model = await fast.fit(deltas, { seasons: [24], seed: 2 });
    const f = model.forecast(24);
    expect(Math.min(...f.point)).toBeLessThan(-2);
    for (let h = 0; h < 24; h++) {
      expect(Number.isFinite(f.point[h])).toBe(true);
      expect(f.quantiles.p05[h]).toBeLessThanOrEqual(f.quantiles.p50[h]);
      expect(f.quantiles.p50[h]).toBeLessThanOrEqual(f.quantiles.p99[h]);
    }
  });
});

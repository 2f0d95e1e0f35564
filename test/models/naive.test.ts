import { describe, expect, it } from 'vitest';
import { QUANTILE_LEVELS } from '../../models/contract';
import { chooseSeason, ewmaForecaster, naiveForecaster, seasonalNaiveForecaster } from '../../models/naive';
import { getForecaster, MODEL_NAMES, availableModels } from '../../models/registry';
import { gaussian, seasonalSeries } from './synthetic';

const simple = [naiveForecaster, seasonalNaiveForecaster, ewmaForecaster];

describe('naive, seasonal naive and EWMA', () => {
  it('repeat the last value / last season and smooth', async () => {
    const y = seasonalSeries(24 * 10, { sd: 0, amp: 10 });
    const n = y.length;
    expect((await naiveForecaster.fit(y)).forecast(3).point).toEqual([y[n - 1], y[n - 1], y[n - 1]]);
    const sn = (await seasonalNaiveForecaster.fit(y, { seasons: [24] })).forecast(30).point;
    expect(sn.slice(0, 24)).toEqual(y.slice(n - 24));
    expect(sn[24]).toBe(y[n - 24]);
    const flat = new Array(50).fill(7);
    expect((await ewmaForecaster.fit(flat)).forecast(2).point).toEqual([7, 7]);
  });

  it('multi-season: picks the weekly cycle when weekends differ', async () => {
    // Hourly: a daily cycle, plus weekends (days 5, 6 of each week) at half the level.
    const z = gaussian(4);
    const y = Array.from({ length: 24 * 7 * 4 }, (_, t) => (Math.floor(t / 24) % 7 >= 5 ? 0.5 : 1) * (100 + 30 * Math.sin((2 * Math.PI * t) / 24)) + z());
    expect(chooseSeason(y, [24, 168]).season).toBe(168);
    expect(chooseSeason(seasonalSeries(24 * 30, { seed: 8 }), [24, 168]).season).toBe(24);
    const short = chooseSeason(y.slice(0, 30), [24]);
    expect(short.season).toBe(1);
    expect(short.note).toMatch(/cold start/);
  });

  it('serialise to JSON and back to identical forecasts', async () => {
    const y = seasonalSeries(24 * 10, { seed: 12 });
    for (const f of simple) {
      const model = await f.fit(y, { seasons: [24] });
      const back = f.deserialize(JSON.parse(JSON.stringify(model.serialize())));
      expect(back.forecast(30)).toEqual(model.forecast(30));
      expect(back.describe()).toBe(model.describe());
    }
  });

  it('stay finite and ordered on adversarial inputs', async () => {
    const spikes = Array.from({ length: 300 }, (_, t) => (t % 97 === 0 ? 1e6 : 1));
    const inputs = [new Array(100).fill(5), new Array(100).fill(0), spikes, [3], [1, 2], Array.from({ length: 200 }, (_, t) => 1e12 * (1 + (t % 24)))];
    for (const f of simple) {
      for (const y of inputs) {
        const fc = (await f.fit(y, { seasons: [24] })).forecast(48);
        expect(fc.point.every(Number.isFinite)).toBe(true);
        for (let j = 0; j < 48; j++) {
          const q = QUANTILE_LEVELS.map((l) => fc.quantiles[l][j]);
          expect(q.every(Number.isFinite)).toBe(true);
          expect([...q].sort((a, b) => a - b)).toEqual(q);
          expect(q[0]).toBeGreaterThanOrEqual(0);
        }
      }
    }
    await expect(naiveForecaster.fit([])).rejects.toThrow(/need at least 1/);
    await expect(naiveForecaster.fit([1, NaN])).rejects.toThrow(/values\[1\]: NaN is not a finite number/);
  });

  it('registry resolves every available name and explains unknown ones', () => {
    for (const name of availableModels()) expect(getForecaster(name).name).toBe(name);
    expect(availableModels()).toEqual(expect.arrayContaining(['naive', 'seasonalNaive', 'ewma']));
    expect(MODEL_NAMES).toContain('gru');
    expect(() => getForecaster('lstm')).toThrow(/unknown model 'lstm'; known models/);
  });
});

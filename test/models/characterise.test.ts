import { describe, expect, it } from 'vitest';
import { characterise, decomposeStrength, defaultSeasons, detectSeason } from '../../models/characterise';
import { gaussian, seasonalSeries } from './synthetic';

describe('characterise', () => {
  it('measures seasonality strength and detects the period', () => {
    const seasonal = seasonalSeries(24 * 20, { amp: 10, sd: 1, seed: 1 });
    const z = gaussian(2);
    const noise = Array.from({ length: 24 * 20 }, () => 50 + z());
    expect(decomposeStrength(seasonal, 24).seasonal).toBeGreaterThan(0.9);
    expect(decomposeStrength(noise, 24).seasonal).toBeLessThan(0.3);
    expect(detectSeason(seasonal)).toContain(24);
    expect(detectSeason(noise)).toEqual([]);
    expect(defaultSeasons(300)).toEqual([288, 2016]);
    expect(defaultSeasons(7000)).toEqual([]);
  });

  it('measures trend and picks candidates', () => {
    const trend = Array.from({ length: 24 * 10 }, (_, t) => t + Math.sin(t));
    expect(characterise(trend, { seasons: [24] }).trendStrength).toBeGreaterThan(0.9);
    const c = characterise(seasonalSeries(24 * 30), { seasons: [24], stepSeconds: 3600 });
    expect(c.coldStart).toBe(false);
    expect(c.candidates).toEqual(expect.arrayContaining(['naive', 'seasonalNaive', 'ets', 'sarima']));
    // The default set: every model that fits in milliseconds, never the GRU (seconds per fit).
    expect(c.candidates).toEqual(['naive', 'seasonalNaive', 'ewma', 'ets', 'sarima', 'prophet']);
    expect(characterise(seasonalSeries(5000), { seasons: [24], stepSeconds: 3600 }).candidates).not.toContain('gru');
  });

  it('falls back on cold start and on intermittent demand', () => {
    const cold = characterise(seasonalSeries(30), { seasons: [24] });
    expect(cold.coldStart).toBe(true);
    expect(cold.candidates).toEqual(['naive', 'ewma']);
    expect(cold.reasons[0]).toMatch(/cold start/);
    const sparse = Array.from({ length: 500 }, (_, t) => (t % 5 === 0 ? 3 : 0));
    const c = characterise(sparse, { seasons: [24] });
    expect(c.zeroShare).toBeCloseTo(0.8, 5);
    expect(c.candidates).not.toContain('gru');
    expect(c.reasons.join(' ')).toMatch(/intermittent/);
  });
});

import { describe, expect, it } from 'vitest';
import { multiplicativeIndices, naive2, seasonalityTest } from '../../models/naive2';

// Expected values are derived by hand in the comments, not by the code under test.
describe('Naive2 (M4 benchmark)', () => {
  it('seasonality test: ACF at lag m against the 90 % limit', () => {
    // [1,3,1,3,1,3], m = 2: mean 2, deviations ±1, Σd² = 6. r1 = 5·(−1)/6 = −5/6, r2 = 4·1/6 = 2/3.
    // limit = 1.645·sqrt((1 + 2·25/36)/6) = 1.645·sqrt(86/216) = 1.03798 > 2/3: not seasonal.
    const short = seasonalityTest([1, 3, 1, 3, 1, 3], 2);
    expect(short.acf).toBeCloseTo(2 / 3, 12);
    expect(short.limit).toBeCloseTo(1.645 * Math.sqrt(86 / 216), 12);
    expect(short.seasonal).toBe(false);
    // [1,3] × 10, n = 20: r1 = −19/20, r2 = 18/20 = 0.9; limit = 1.645·sqrt((1 + 2·0.9025)/20) = 1.645·sqrt(0.14025) ≈ 0.61605 < 0.9.
    const long = seasonalityTest(Array.from({ length: 20 }, (_, t) => (t % 2 ? 3 : 1)), 2);
    expect(long.acf).toBeCloseTo(0.9, 12);
    expect(long.limit).toBeCloseTo(1.645 * Math.sqrt(0.14025), 12);
    expect(long.seasonal).toBe(true);
  });

  it('seasonality test: fewer than three seasons is never seasonal (M4 rule)', () => {
    expect(seasonalityTest([1, 3, 1, 3, 1], 2).seasonal).toBe(false);
    expect(seasonalityTest([1, 3, 1, 3, 1, 3], 1).seasonal).toBe(false);
  });

  it('multiplicative indices: ratios to the 2×m moving average, per phase, mean 1', () => {
    // x = [4,8,6,10,8,12], m = 2. Trend (0.5, 1, 0.5)/2 at t = 1…4: 6.5, 7.5, 8.5, 9.5.
    // Phase 1 ratios 8/6.5 = 16/13, 10/8.5 = 20/17 → 266/221; phase 0: 6/7.5 = 4/5, 8/9.5 = 16/19 → 78/95.
    // Divided by their mean 42508/41990: phase 0 = 8619/10627, phase 1 = 12635/10627.
    const idx = multiplicativeIndices([4, 8, 6, 10, 8, 12], 2);
    expect(idx[0]).toBeCloseTo(8619 / 10627, 12);
    expect(idx[1]).toBeCloseTo(12635 / 10627, 12);
  });

  it('multiplicative indices with an odd period use the plain centred average', () => {
    // x = [1,2,3] × 3, m = 3: trend at t = 1…7 is 2 everywhere; ratios per phase 0.5, 1, 1.5 (mean 1).
    const idx = multiplicativeIndices([1, 2, 3, 1, 2, 3, 1, 2, 3], 3);
    expect(idx.map((v) => Number(v.toFixed(12)))).toEqual([0.5, 1, 1.5]);
  });

  it('forecast: last seasonally adjusted value, reseasonalised', () => {
    // [10,30] × 10, m = 2: seasonal (as above: r2 = 0.9 > 0.616); trend 20, indices 0.5 and 1.5.
    // Last value 30 (phase 1) → level 30/1.5 = 20; next phases 0,1,0 → 10, 30, 10.
    const f = naive2(Array.from({ length: 20 }, (_, t) => (t % 2 ? 30 : 10)), 2, 3);
    expect(f.seasonal).toBe(true);
    expect(f.forecast.map((v) => Number(v.toFixed(9)))).toEqual([10, 30, 10]);
  });

  it('forecast: plain naive when the series is not seasonal or m ≤ 1', () => {
    expect(naive2([1, 3, 1, 3, 1, 3], 2, 3)).toEqual({ forecast: [3, 3, 3], seasonal: false });
    expect(naive2([5, 7, 6], 1, 2)).toEqual({ forecast: [6, 6], seasonal: false });
  });
});

import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../models/random';
import { conformalBand } from '../../models/residual-band';

describe('split-conformal residual band', () => {
  it('takes the ⌊(n+1)·0.1⌋-th and ⌈(n+1)·0.9⌉-th smallest residual', () => {
    // n = 19 residuals 1..19 (shuffled): (n+1)·0.1 = 2 → 2; (n+1)·0.9 = 18 → 18.
    const r = [7, 3, 19, 1, 12, 5, 18, 2, 9, 16, 4, 11, 14, 6, 17, 8, 13, 10, 15];
    expect(conformalBand(r)).toEqual({ lower: 2, upper: 18, n: 19 });
    // n = 5: ⌊0.6⌋ = 0 → the smallest stands in; ⌈5.4⌉ = 6 > n → the largest.
    expect(conformalBand([3, 1, 2, 5, 4])).toEqual({ lower: 1, upper: 5, n: 5 });
    expect(conformalBand([])).toEqual({ lower: 0, upper: 0, n: 0 });
  });

  it('covers about 80 % of new errors on a series with known noise', () => {
    // Forecast = the true level, noise N(0, 0.02²): calibrate on 400 errors, score 20,000 new ones.
    const rand = mulberry32(17);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()) * 0.02;
    const band = conformalBand(Array.from({ length: 400 }, gauss));
    // The population P10/P90 are ±1.2816 × 0.02 = ±0.0256; 400 draws pin them to about ±10 %.
    expect(band.lower).toBeGreaterThan(-0.0256 * 1.15);
    expect(band.lower).toBeLessThan(-0.0256 * 0.85);
    expect(band.upper).toBeGreaterThan(0.0256 * 0.85);
    expect(band.upper).toBeLessThan(0.0256 * 1.15);
    const fresh = Array.from({ length: 20_000 }, gauss);
    const coverage = fresh.filter((e) => e >= band.lower && e <= band.upper).length / fresh.length;
    expect(coverage).toBeGreaterThan(0.76);
    expect(coverage).toBeLessThan(0.84);
  });

  it('refuses a tail outside (0, 0.5)', () => {
    expect(() => conformalBand([1, 2], 0.5)).toThrow(/tail must be in \(0, 0.5\)/);
  });
});

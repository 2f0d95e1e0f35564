import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mulberry32 } from '../../../models/random';
import { DropoutDetector } from '../../../planning/predictive/dropouts';
import { PeakRules } from '../../../planning/predictive/peak-rules';
import { TwoSpeedScale } from '../../../planning/predictive/scale';
import { SlidingMax } from '../../../planning/predictive/sliding-max';

describe('dropout detector', () => {
  it('a NaN is missing; a zero run becomes missing at its third zero in a series that is rarely zero', () => {
    const d = new DropoutDetector(3, 0.05, 100);
    const verdicts = [5, 6, 7, 5, 6, NaN, 4, 0, 0, 0, 0, 3].map((v) => d.push(v));
    expect(verdicts).toEqual([false, false, false, false, false, true, false, false, false, true, true, false]);
    expect(d.missing).toBe(3);
  });

  it('zeros are demand in a series that is often zero', () => {
    const d = new DropoutDetector(3, 0.05, 100);
    // 30% of the history is zero: an idle service, not an outage.
    const history = Array.from({ length: 60 }, (_, i) => (i % 10 < 3 ? 0 : 4));
    for (const v of history) d.push(v);
    expect([0, 0, 0, 0].map((v) => d.push(v))).toEqual([false, false, false, false]);
  });
});

describe('two-speed error scale', () => {
  it('a single burst barely moves the slow scale, a bursty stretch raises the scale within a few steps', () => {
    const s = new TwoSpeedScale(1, 0.01, { slowAlpha: 0.02, fastAlpha: 0.1, clip: 4 });
    for (let i = 0; i < 200; i++) s.update(1);
    expect(s.value).toBeCloseTo(1, 6);
    s.update(100); // one freak error: fast EWMA 0.9·1 + 0.1·100 = 10.9
    expect(s.value).toBeCloseTo(10.9, 6);
    for (let i = 0; i < 60; i++) s.update(1); // calm again: back near 1
    expect(s.value).toBeLessThan(1.2);
    for (let i = 0; i < 10; i++) s.update(20); // a bursty stretch: 20·(1 − 0.9^10) + small remainder
    expect(s.value).toBeGreaterThan(13);
  });
});

describe('sliding maximum', () => {
  it('equals the brute-force maximum of the window', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 20 }), (xs, w) => {
        const m = new SlidingMax(w);
        xs.forEach((v, i) => {
          m.push(i, v);
          const brute = Math.max(...xs.slice(Math.max(0, i - w + 1), i + 1));
          expect(m.max(i)).toBe(brute);
        });
      }),
    );
  });
});

describe('peak rules', () => {
  it('the forecast rule covers the realised peak at about the asked quantile once calibrated', () => {
    const rand = mulberry32(7);
    const rules = new PeakRules([0.9], 2000, 50, 500, 0.01);
    let covered = 0;
    let scored = 0;
    for (let i = 0; i < 6000; i++) {
      const basis = { peak: 100, scale: 10, observedScale: 10, recentMax: 100 };
      const uppers = rules.uppers(basis);
      const realised = 100 + 10 * (rand() * 4 - 2); // uniform residual in [−20, 20]
      if (i >= 2000) {
        scored++;
        if (realised <= uppers[0][0]) covered++;
      }
      rules.record(basis, realised, rules.referenceUppers(basis));
    }
    // Uniform on [−2, 2] standardised: the 0.9 quantile is 1.6, so the upper ≈ 116 covers 90%.
    expect(covered / scored).toBeGreaterThan(0.87);
    expect(covered / scored).toBeLessThan(0.93);
    expect(rules.uppers({ peak: 100, scale: 10, observedScale: 10, recentMax: 100 })[0][0]).toBeGreaterThan(114);
    expect(rules.uppers({ peak: 100, scale: 10, observedScale: 10, recentMax: 100 })[0][0]).toBeLessThan(118);
  });

  it('picks the reactive rule when bursts scale with the recent level and the forecast is useless', () => {
    const rand = mulberry32(3);
    const rules = new PeakRules([0.95], 2000, 50, 200, 0.01);
    for (let i = 0; i < 3000; i++) {
      const level = 10 + 90 * rand(); // the level jumps around; the forecast knows nothing of it
      const basis = { peak: 50, scale: 5, observedScale: 5, recentMax: level };
      const realised = level * (1 + 0.05 * rand());
      rules.record(basis, realised, rules.referenceUppers(basis));
    }
    expect(rules.choose()).toBe(1); // 'recent-max'
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyHysteresis } from '../../planning/hysteresis';

describe('hysteresis', () => {
  const h = { scaleInBand: 0.1, minScaleIn: 2 };
  it('holds a small scale-in, executes a large one', () => {
    // Band: max(2, ceil(0.1 × 30)) = 3 (not 4 through float noise).
    expect(applyHysteresis(30, 28, h)).toMatchObject({ target: 30, held: true });
    expect(applyHysteresis(30, 28, h).reason).toMatch(/held: 2 fewer is below the band of 3/);
    expect(applyHysteresis(30, 27, h)).toMatchObject({ target: 27, held: false });
    expect(applyHysteresis(5, 4, h)).toMatchObject({ target: 5, held: true });
    expect(applyHysteresis(5, 3, h)).toMatchObject({ target: 3, held: false });
    expect(applyHysteresis(5, 5, h)).toMatchObject({ target: 5, held: false });
  });
  it('rejects bad input naming the field', () => {
    expect(() => applyHysteresis(-1, 2, h)).toThrow(/current must be a whole number/);
    expect(() => applyHysteresis(3, NaN, h)).toThrow(/planned must be a whole number/);
    expect(() => applyHysteresis(3, 2, { scaleInBand: 1.5, minScaleIn: 1 })).toThrow(/hysteresis\.scaleInBand must be a fraction/);
    expect(() => applyHysteresis(3, 2, { scaleInBand: 0.1, minScaleIn: -1 })).toThrow(/hysteresis\.minScaleIn must be a whole number/);
  });
  it('never blocks a planned scale-up, and a held scale-in keeps the current count (property)', () => {
    const policy = fc.record({ scaleInBand: fc.double({ min: 0, max: 0.99, noNaN: true }), minScaleIn: fc.integer({ min: 0, max: 20 }) });
    fc.assert(fc.property(fc.nat(1000), fc.nat(1000), policy, (current, planned, p) => {
      const r = applyHysteresis(current, planned, p);
      if (planned >= current) expect(r).toMatchObject({ target: planned, held: false });
      else expect(r.target === current ? r.held : r.target === planned && !r.held).toBe(true);
      if (r.held) expect(current - planned).toBeLessThan(Math.max(p.minScaleIn, Math.ceil(p.scaleInBand * current - 1e-9)));
    }), { numRuns: 500 });
  });
});

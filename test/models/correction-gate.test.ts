import { describe, expect, it } from 'vitest';
import { dieboldMariano, gateCorrection, type PairedError } from '../../models/correction-gate';
import { normalQuantile } from '../../models/quantiles';
import { studentTQuantile } from '../../models/student-t';

/** Pairs for members a and b at origins 0..3·perBlock−1 in three blocks; gain(block, origin, member) = base − corrected. */
function pairs(perBlock: number, gain: (block: number, origin: number, member: string) => number): PairedError[] {
  const out: PairedError[] = [];
  for (let o = 0; o < 3 * perBlock; o++) {
    const block = Math.floor(o / perBlock);
    for (const member of ['a', 'b']) out.push({ member, origin: o, block, base: 1, corrected: 1 - gain(block, o, member) });
  }
  return out;
}

describe('t quantiles (against the printed tables)', () => {
  it('matches t(0.95) and z to the table digits', () => {
    expect(normalQuantile(0.95)).toBeCloseTo(1.6449, 4);
    expect(normalQuantile(0.975)).toBeCloseTo(1.96, 3);
    expect(studentTQuantile(0.95, 1)).toBeCloseTo(6.314, 3);
    expect(studentTQuantile(0.95, 2)).toBeCloseTo(2.92, 3);
    expect(studentTQuantile(0.95, 5)).toBeCloseTo(2.015, 2);
    expect(studentTQuantile(0.95, 10)).toBeCloseTo(1.812, 3);
    expect(studentTQuantile(0.95, 30)).toBeCloseTo(1.697, 3);
  });
});

describe('Diebold–Mariano statistic (hand-computed)', () => {
  it('h = 1: mean / sqrt(γ0 / n) × sqrt((n − 1) / n)', () => {
    // d alternates 0.1, 0.3: mean 0.2, γ0 = 0.01; n = 12 → 0.2 / sqrt(0.01 / 12) = 6.928, × sqrt(11/12).
    const d = Array.from({ length: 12 }, (_, i) => (i % 2 ? 0.3 : 0.1));
    expect(dieboldMariano(d, 1)).toBeCloseTo((0.2 / Math.sqrt(0.01 / 12)) * Math.sqrt(11 / 12), 9);
  });

  it('h = 2 adds twice the lag-1 autocovariance', () => {
    // d = 1, 2, 3, 4: mean 2.5, deviations −1.5 −0.5 0.5 1.5; γ0 = 5/4, γ1 = (0.75 − 0.25 + 0.75)/4 = 0.3125.
    // V = 1.25 + 0.625 = 1.875; HLN = (4 + 1 − 4 + 2/4) / 4 = 0.375.
    expect(dieboldMariano([1, 2, 3, 4], 2)).toBeCloseTo((2.5 / Math.sqrt(1.875 / 4)) * Math.sqrt(0.375), 9);
  });

  it('is undefined when the horizon is too long for the origins', () => {
    // n = 10, h = 8: 10 + 1 − 16 + 56/10 = 0.6 > 0 → defined; h = 9: 11 − 18 + 7.2 = 0.2 → defined; n = 6, h = 5: 7 − 10 + 20/6 = 0.33; n = 5, h = 5: 6 − 10 + 4 = 0 → undefined.
    expect(dieboldMariano([1, 2, 1, 2, 1], 5)).toBeUndefined();
    expect(dieboldMariano([1, 2, 1, 2, 1, 2], 5)).toBeDefined();
  });
});

describe('the correction gate', () => {
  it('rejects a correction that helps in one block only, even when its mean gain is positive', () => {
    // Block 0 gains 0.5, blocks 1 and 2 lose 0.05: mean gain 0.133 > 0.
    const v = gateCorrection(pairs(6, (b) => (b === 0 ? 0.5 : -0.05)), { horizon: 1 });
    expect(v.meanGain).toBeCloseTo((0.5 - 0.05 - 0.05) / 3, 12);
    expect(v.keep).toBe(false);
    expect(v.reason).toMatch(/no gain in block 1/);
  });

  it('keeps a correction that helps in every block and for every member, significantly', () => {
    // Gain 0.1 or 0.3 by origin parity: per-origin mean alternates, n = 18, mean 0.2, γ0 = 0.01.
    const v = gateCorrection(pairs(6, (_, o) => (o % 2 ? 0.3 : 0.1)), { horizon: 1 });
    expect(v.keep).toBe(true);
    expect(v.blockGains.every((g) => Math.abs(g - 0.2) < 1e-12)).toBe(true);
    expect(v.dm).toBeCloseTo((0.2 / Math.sqrt(0.01 / 18)) * Math.sqrt(17 / 18), 9);
    expect(v.critical).toBeCloseTo(1.74, 2); // t(17) at 95 %: 1.740
  });

  it('rejects a consistent but small gain that the noise does not support', () => {
    // Gains 1.0 and −0.9 alternating: +0.05 on average in every block and for each member, but
    // DM = 0.05 / sqrt(0.9025 / 18) × sqrt(17/18) ≈ 0.22 < 1.74.
    const v = gateCorrection(pairs(6, (_, o) => (o % 2 ? 1.0 : -0.9)), { horizon: 1 });
    expect(v.blockGains.every((g) => g > 0)).toBe(true);
    expect(v.keep).toBe(false);
    expect(v.reason).toMatch(/not significant/);
  });

  it('rejects a correction that makes one member worse', () => {
    const v = gateCorrection(pairs(6, (_, o, m) => (m === 'a' ? 0.4 : -0.01) + (o % 2) * 0.01), { horizon: 1 });
    expect(v.blockGains.every((g) => g > 0)).toBe(true);
    expect(v.keep).toBe(false);
    expect(v.reason).toMatch(/worse for member b/);
  });

  it('needs two members, three blocks and enough origins (the simpler model when in doubt)', () => {
    const helps = (_: number, o: number) => (o % 2 ? 0.3 : 0.1);
    expect(gateCorrection(pairs(6, helps).filter((p) => p.member === 'a'), { horizon: 1 }).reason).toMatch(/1 member\(s\)/);
    expect(gateCorrection(pairs(6, helps).filter((p) => p.block < 2), { horizon: 1 }).reason).toMatch(/2 block\(s\)/);
    expect(gateCorrection(pairs(3, helps), { horizon: 1 }).reason).toMatch(/3\/3\/3 origins/);
    // 18 origins hold three forecasts that do not overlap at horizon 6, fewer at 7.
    expect(gateCorrection(pairs(6, helps), { horizon: 7 }).reason).toMatch(/18 origins are too few for the test at horizon 7 \(need at least 3h = 21\)/);
    expect(gateCorrection(pairs(6, helps), { horizon: 6 }).dm).toBeDefined();
  });

  it('names bad input', () => {
    expect(() => gateCorrection([{ member: 'a', origin: 0, block: 0, base: Number.NaN, corrected: 1 }], { horizon: 1 })).toThrow(/pair 0 \(member a, origin 0\) has a non-finite error/);
    expect(() => gateCorrection([], { horizon: 0 })).toThrow(/horizon must be a positive integer/);
  });
});

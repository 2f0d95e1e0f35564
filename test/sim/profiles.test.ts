import { describe, expect, it } from 'vitest';
import { blockBootstrap } from '../../sim/profiles/bootstrap';
import { applyEvents, eventFactor, parseEvent } from '../../sim/profiles/events';
import { generateProfile } from '../../sim/profiles';
import { seededRng } from '../../sim/profiles/rng';
import { userModelSeries } from '../../sim/profiles/shapes';

describe('synthetic load profiles', () => {
  it('ramps an event up and down linearly around its full effect', () => {
    const e = { start: 4, duration: 2, multiplier: 3, rampUp: 1, rampDown: 3 };
    expect([2, 3, 4, 5, 6, 7, 8, 9].map((t) => eventFactor(e, t))).toEqual([1, 2, 3, 3, 2.5, 2, 1.5, 1]);
    expect(applyEvents([10, 10, 10, 10, 10, 10], [{ start: 2, duration: 2, multiplier: 2 }])).toEqual([10, 10, 20, 20, 10, 10]);
    expect(parseEvent('10:5:2.5:2:3')).toEqual({ start: 10, duration: 5, multiplier: 2.5, rampUp: 2, rampDown: 3 });
    expect(parseEvent('10:0:2')).toBeUndefined();
    expect(parseEvent('a:b:c')).toBeUndefined();
  });

  it('bootstraps whole blocks of history', () => {
    const history = Array.from({ length: 30 }, (_, i) => i);
    const out = blockBootstrap(history, 10, 25, seededRng(1));
    expect(out).toHaveLength(25);
    for (const start of [0, 10, 20]) expect(out[start] % 10).toBe(0);
    for (let i = 1; i < 25; i++) if (i % 10 !== 0) expect(out[i]).toBe(out[i - 1] + 1);
  });

  it('shapes diurnal and weekly cycles with growth', () => {
    const s = userModelSeries({ base: 100, diurnalAmplitude: 0.5, peakHour: 12, weekendFactor: 0.5, growthPerDay: 0.1 }, 24 * 7, 3600);
    // Growth compounds continuously: half a day in, the factor is 1.1^0.5.
    expect(s[0]).toBeCloseTo(50, 6); // Monday midnight trough
    expect(s[12]).toBeCloseTo(150 * 1.1 ** 0.5, 6); // Monday noon peak
    expect(s[24 + 12] / s[12]).toBeCloseTo(1.1, 6); // a day later: +10%
    expect(s[5 * 24 + 12]).toBeCloseTo(150 * 0.5 * 1.1 ** 5.5, 6); // Saturday noon at half the weekday level
  });

  it('is reproducible from its seed and never negative', () => {
    const spec = { steps: 500, stepSeconds: 60, seed: 42, userModel: { base: 5 }, noise: { kind: 'poisson' as const, level: 0.5 } };
    const a = generateProfile(spec);
    expect(generateProfile(spec)).toEqual(a);
    expect(generateProfile({ ...spec, seed: 43 })).not.toEqual(a);
    expect(a.every((v) => v >= 0 && Number.isInteger(v))).toBe(true);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BUFFER, demandFromRequests, instancesNeededFor, mergeDemand, type ComputeTypeSpec } from '../../planning/capacity-model';

const general: ComputeTypeSpec = { name: 'general', capacity: { requestsPerSecond: 100, cpu: 4, memoryMiB: 8192 } };
const opts = { targetUtilization: 0.8, buffer: DEFAULT_BUFFER };

describe('demand', () => {
  it('derives every dimension from the request forecast and the predicted mix', () => {
    const mix = { shares: { light: 0.75, heavy: 0.25 }, perRequest: { light: { cpu: 0.01, memoryMiB: 2 }, heavy: { cpu: 0.05 } } };
    const d = demandFromRequests(400, 500, mix);
    expect(d.p50.requestsPerSecond).toBe(400);
    expect(d.upper.requestsPerSecond).toBe(500);
    // cpu per request/s = 0.75 × 0.01 + 0.25 × 0.05 = 0.02; memory = 0.75 × 2 = 1.5.
    expect(d.p50.cpu).toBeCloseTo(8);
    expect(d.upper.cpu).toBeCloseTo(10);
    expect(d.p50.memoryMiB).toBeCloseTo(600);
    expect(demandFromRequests(10, 12)).toEqual({ p50: { requestsPerSecond: 10 }, upper: { requestsPerSecond: 12 } });
  });
  it('merges a separate forecast by the max per dimension', () => {
    const m = mergeDemand(demandFromRequests(10, 12), { p50: { memoryMiB: 9000, requestsPerSecond: 5 }, upper: { memoryMiB: 9500, requestsPerSecond: 20 } });
    expect(m).toEqual({ p50: { memoryMiB: 9000, requestsPerSecond: 10 }, upper: { memoryMiB: 9500, requestsPerSecond: 20 } });
  });
  it('rejects bad mixes and numbers, naming the field', () => {
    expect(() => demandFromRequests(NaN, 1)).toThrow(/requestsP50 must be a finite number >= 0/);
    expect(() => demandFromRequests(1, Infinity)).toThrow(/requestsUpper must be a finite number >= 0/);
    expect(() => demandFromRequests(1, 1, { shares: { a: 0.5 }, perRequest: { a: {} } })).toThrow(/mix\.shares must sum to 1, got 0\.5/);
    expect(() => demandFromRequests(1, 1, { shares: { a: 1 }, perRequest: {} })).toThrow(/mix\.perRequest\.a is missing/);
    expect(() => demandFromRequests(1, 1, { shares: { a: 1 }, perRequest: { a: { cpu: -1 } } })).toThrow(/mix\.perRequest\.a\.cpu must be a finite number >= 0/);
    expect(() => mergeDemand({ p50: { cpu: -2 }, upper: {} }, { p50: {}, upper: {} })).toThrow(/demand\.p50\.cpu/);
  });
});

describe('instancesNeededFor', () => {
  it('takes the buffer from the upper quantile between floor and cap', () => {
    // Inside the band: P50 400, P90 460 (+15%) → 460 / 80 = 5.75 → 6.
    const inside = instancesNeededFor(demandFromRequests(400, 460), general, opts);
    expect(inside).toMatchObject({ needed: 6, bindingDimension: 'requestsPerSecond', p50Instances: 5 });
    expect(inside.bufferPct).toBeCloseTo(0.15);
    expect(inside.explanation).toBe('requestsPerSecond binds: P50 400.0 → buffered 460.0 (+15%, from P90; buffer 10%–20%) / (100 × 0.8) = 5.8 → 6');
    // Below the floor: P90 only 2% above → floor 10% → 440 / 80 = 5.5 → 6.
    const floor = instancesNeededFor(demandFromRequests(400, 408), general, opts);
    expect(floor.bufferPct).toBeCloseTo(0.1);
    expect(floor.perDimension.requestsPerSecond.buffered).toBeCloseTo(440);
    expect(floor.explanation).toMatch(/\(\+10%, floor;/);
    // Above the cap: P90 +50% → cap 20% → 480 / 80 = 6 exactly, no float round-up to 7.
    const cap = instancesNeededFor(demandFromRequests(400, 600), general, opts);
    expect(cap.needed).toBe(6);
    expect(cap.bufferPct).toBeCloseTo(0.2);
    expect(cap.explanation).toMatch(/\(\+20%, capped, P90 was 600\.0;/);
  });

  it('the binding dimension is the one that needs the most instances', () => {
    const mix = { shares: { heavy: 1 }, perRequest: { heavy: { cpu: 0.05, memoryMiB: 10 } } };
    const n = instancesNeededFor(demandFromRequests(400, 460, mix), general, opts);
    // requests: 5.75; cpu: 23 / 3.2 = 7.19; memory: 4600 / 6553.6 = 0.70.
    expect(n.bindingDimension).toBe('cpu');
    expect(n.needed).toBe(8);
    expect(n.perDimension.cpu.instances).toBeCloseTo(23 / 3.2);
    expect(n.perDimension.memoryMiB.instances).toBeCloseTo(4600 / 6553.6);
    expect(n.p50Instances).toBeCloseTo(20 / 3.2);
    expect(n.explanation).toMatch(/^cpu binds: P50 20\.0 → buffered 23\.0/);
  });

  it('ignores dimensions the demand lacks and rejects those the compute type lacks', () => {
    expect(instancesNeededFor({ p50: { cpu: 8 }, upper: { cpu: 8 } }, general, opts).needed).toBe(3);
    expect(() => instancesNeededFor({ p50: { gpu: 1 }, upper: { gpu: 1 } }, general, opts)).toThrow(/compute type general declares no capacity for dimension gpu/);
  });

  it('rejects bad options and numbers with the field', () => {
    const d = demandFromRequests(10, 12);
    expect(() => instancesNeededFor(d, general, { ...opts, targetUtilization: 0 })).toThrow(/targetUtilization must be a finite number > 0/);
    expect(() => instancesNeededFor(d, general, { ...opts, targetUtilization: 1.2 })).toThrow(/targetUtilization must be in \(0, 1\]/);
    expect(() => instancesNeededFor(d, general, { ...opts, buffer: { floor: 0.3, cap: 0.2 } })).toThrow(/buffer\.cap \(0\.2\) must be >= buffer\.floor \(0\.3\)/);
    expect(() => instancesNeededFor(d, { name: 'x', capacity: { requestsPerSecond: -1 } }, opts)).toThrow(/x\.capacity\.requestsPerSecond must be a finite number > 0/);
    expect(() => instancesNeededFor({ p50: { requestsPerSecond: NaN }, upper: {} }, general, opts)).toThrow(/demand\.p50\.requestsPerSecond/);
    expect(() => instancesNeededFor({ p50: {}, upper: {} }, general, opts)).toThrow(/demand has no dimensions/);
  });

  it('never rounds an exact multiple up, and always covers the buffered demand (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 50 }), (k, cap) => {
      const type = { name: 't', capacity: { requestsPerSecond: cap } };
      // P50 so that the floor-buffered demand is exactly k instances at utilisation 0.7.
      const p50 = (k * cap * 0.7) / 1.1;
      expect(instancesNeededFor(demandFromRequests(p50, 0), type, { targetUtilization: 0.7, buffer: { floor: 0.1, cap: 0.2 } }).needed).toBe(k);
    }), { numRuns: 300 });
    fc.assert(fc.property(fc.double({ min: 0, max: 1e5, noNaN: true }), fc.double({ min: 0, max: 2e5, noNaN: true }), (p50, upper) => {
      const n = instancesNeededFor(demandFromRequests(p50, upper), general, opts);
      const b = n.perDimension.requestsPerSecond.buffered;
      expect(b).toBeGreaterThanOrEqual(p50 * 1.1 - 1e-6);
      expect(b).toBeLessThanOrEqual(p50 * 1.2 + 1e-6);
      expect(n.needed * 80).toBeGreaterThanOrEqual(b - 1e-6);
      expect((n.needed - 1) * 80).toBeLessThan(b);
    }), { numRuns: 300 });
  });
});

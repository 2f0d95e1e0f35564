import { describe, expect, it } from 'vitest';
import { explainBinding, fingerprintDemand, type ClusterForecast } from '../../fingerprints/capacity';
import { demandFromRequests, instancesNeededFor, mergeDemand } from '../../planning/capacity-model';

const clusters: ClusterForecast[] = [
  { cluster: 'c0', instances: 2, cpu: { p50: 0.05, upper: 0.06 }, mem: { p50: 60, upper: 62 } },
  { cluster: 'c1', instances: 2, cpu: { p50: 0.5, upper: 0.6 }, mem: { p50: 64, upper: 66 } },
  { cluster: 'c2', instances: 1, cpu: { p50: 0.05, upper: 0.05 }, mem: { p50: 300, upper: 330 } },
];
const type = { name: 'small', capacity: { requestsPerSecond: 100, cpu: 1, memoryMiB: 512 } };
const opts = { targetUtilization: 0.5, buffer: { floor: 0.1, cap: 0.2 } };

describe('fingerprint forecasts as capacity dimensions', () => {
  it('sums cluster forecasts × instances (hand-computed)', () => {
    const fp = fingerprintDemand(clusters);
    expect(fp.demand.p50.cpu).toBeCloseTo(2 * 0.05 + 2 * 0.5 + 0.05, 12); // 1.15 cores
    expect(fp.demand.upper.cpu).toBeCloseTo(2 * 0.06 + 2 * 0.6 + 0.05, 12); // 1.37
    expect(fp.demand.p50.memoryMiB).toBe(2 * 60 + 2 * 64 + 300); // 548
  });

  it('the cpu-bound cluster makes cpu bind where requests alone would not', () => {
    const requests = demandFromRequests(120, 130);
    const alone = instancesNeededFor(requests, type, opts);
    // 120 req/s → buffered min(max(130, 132), 144) = 132 / (100 × 0.5) = 2.64 → 3.
    expect(alone.bindingDimension).toBe('requestsPerSecond');
    expect(alone.needed).toBe(3);
    const fp = fingerprintDemand(clusters);
    const need = instancesNeededFor(mergeDemand(requests, fp.demand), type, opts);
    // cpu: P50 1.15, upper 1.37 within the buffer [1.265, 1.38] → 1.37 / (1 × 0.5) = 2.74;
    // memory: P50 548, upper 586 below the floor 602.8 → 602.8 / 256 = 2.35; requests 2.64. cpu binds → 3.
    // c1 supplies 2 × 0.6 = 1.2 of the 1.37 upper cores = 88 %.
    expect(need.bindingDimension).toBe('cpu');
    expect(need.perDimension.cpu.instances).toBeCloseTo(2.74, 9);
    expect(explainBinding(need, fp, clusters)).toBe('cpu binds (fingerprints): cluster c1 supplies 88% of the upper demand (2 instances)');
  });

  it('bad forecasts are refused with the field named', () => {
    expect(() => fingerprintDemand([{ ...clusters[0], cpu: { p50: 0.2, upper: 0.1 } }])).toThrow(/c0: cpu forecast needs 0 <= p50 <= upper/);
    expect(() => fingerprintDemand([])).toThrow(/no cluster forecasts/);
  });
});

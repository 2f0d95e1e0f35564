import { describe, expect, it } from 'vitest';
import { planCapacity } from '../../decision/plan';
import type { FingerprintSummary } from '../../decision/forecast';
import { promotionVerdict } from '../../fingerprints/fit-version';
import { fitFleet } from '../../fingerprints/fleet';
import { fingerprintForecast } from '../../fingerprints/member-forecast';
import type { FingerprintModelVersion } from '../../fingerprints/model-version';
import { SIGNALS, type Signal } from '../../fingerprints/signals';
import type { MinuteSummary } from '../../fingerprints/summary';
import { forecastOf, singlePoolContext } from '../decision/context';

/** The decision's side of fingerprints, by hand: placement, persistence forecasts, fallbacks, the plan. */
const NAMES = ['a', 'b', 'c'];
const WINDOWS = [1, 2];
const NOW = 1_000_000;
const signals = (v: Partial<Record<Signal, number>>) => Object.fromEntries(SIGNALS.map((s) => [s, v[s] ?? 0])) as Record<Signal, number>;

function summary(member: string, to: number, features: number[], cpu: { mean: number; p95: number }, rss = 50): MinuteSummary {
  return { member, service: 'web', from: to - 60_000, to, samples: 600, mean: signals({ cpuCores: cpu.mean, rssMiB: rss }), p95: signals({ cpuCores: cpu.p95, rssMiB: rss + 2 }), features, windowsS: WINDOWS };
}

// Two CPU-heavy members (features near [10, 1, 1]) and two idle ones (near [1, 10, 1]).
const FEATURES: Record<string, number[]> = { h1: [10, 1, 1], h2: [11, 1.1, 1], i1: [1, 10, 1], i2: [1.1, 11, 1] };
const fleet = fitFleet(Object.entries(FEATURES).map(([id, features]) => ({ id, service: 'web', features })), NAMES, { cluster: { seed: 1 } });
const model: FingerprintModelVersion = { service: 'web', version: 4, createdAt: 0, reason: 'test', dataWindow: { from: 0, to: NOW }, windowsS: WINDOWS, fleet, clusterModels: {}, horizonSteps: 5, stepMs: 60_000 };
const heavy = fleet.clusters.find((c) => c.members.includes('h1'))!.id;
const fresh = {
  h1: [summary('h1', NOW - 10_000, FEATURES.h1, { mean: 0.8, p95: 0.9 })],
  h2: [summary('h2', NOW - 10_000, FEATURES.h2, { mean: 0.6, p95: 0.7 })],
  i1: [summary('i1', NOW - 10_000, FEATURES.i1, { mean: 0.01, p95: 0.02 })],
  i2: [summary('i2', NOW - 10_000, FEATURES.i2, { mean: 0.01, p95: 0.01 })],
};
const opts = { now: NOW, maxAgeMs: 180_000, load: 40, source: '/x/web' };

describe('fingerprint forecasts for a decision', () => {
  it('places members by the champion and forecasts by persistence when a cluster has no model', () => {
    const f = fingerprintForecast(model, fresh, opts);
    if (f.status !== 'used') throw new Error(f.reason);
    expect(fleet.clusters).toHaveLength(2);
    const c = f.clusters.find((x) => x.cluster === heavy)!;
    // Mean of the heavy members: p50 (0.8 + 0.6) / 2 = 0.7, upper (0.9 + 0.7) / 2 = 0.8.
    expect(c.instances).toBe(2);
    expect(c.cpu.p50).toBeCloseTo(0.7, 12);
    expect(c.cpu.upper).toBeCloseTo(0.8, 12);
    expect(f.members.every((m) => m.source === 'persistence')).toBe(true);
    expect(f).toMatchObject({ modelVersion: 4, horizonSteps: 5, newestAt: NOW - 10_000 });
  });

  it('falls back with a reason: no model, no summaries, stale summaries, other feature windows', () => {
    expect(fingerprintForecast(undefined, fresh, opts)).toMatchObject({ status: 'fallback', reason: expect.stringMatching(/no fitted fingerprint model yet/) });
    expect(fingerprintForecast(model, {}, opts)).toMatchObject({ status: 'fallback', reason: expect.stringMatching(/no telemetry summaries in \/x\/web/) });
    const stale = Object.fromEntries(Object.entries(fresh).map(([k, s]) => [k, s.map((x) => ({ ...x, to: NOW - 400_000 }))]));
    expect(fingerprintForecast(model, stale, opts)).toMatchObject({ status: 'fallback', reason: expect.stringMatching(/stale: the newest summary in \/x\/web ended 400 s ago \(fingerprints.maxAge 180 s\)/) });
    const other = Object.fromEntries(Object.entries(fresh).map(([k, s]) => [k, s.map((x) => ({ ...x, windowsS: [1, 5, 15, 60] }))]));
    expect(fingerprintForecast(model, other, opts)).toMatchObject({ status: 'fallback', reason: expect.stringMatching(/windows \[1, 5, 15, 60\] s but fingerprint model v4 was fitted on \[1, 2\] s/) });
  });
});

describe('the single-pool plan with fingerprint dimensions', () => {
  const fp = (cpuUpper: number): FingerprintSummary => ({
    status: 'used',
    modelVersion: 4,
    capacity: { cpu: 1, memoryMiB: 4096 },
    horizonSteps: 5,
    clusters: [
      { cluster: 'c0', instances: 3, cpu: { p50: 2, upper: cpuUpper }, mem: { p50: 100, upper: 110 }, sources: ['gru'] },
      { cluster: 'c1', instances: 1, cpu: { p50: 0.5, upper: 0.5 }, mem: { p50: 100, upper: 100 }, sources: ['persistence'] },
    ],
  });

  it('cpu binds above the load: names the cluster and the signal', () => {
    // Load: 55 / (10 × 1) → 6. CPU: P50 3 × 2 + 0.5 = 6.5, upper 3 × 2.3 + 0.5 = 7.4 in [7.15, 7.8]
    // → 7.4 / (1 × 1) → 8 instances; c0 supplies 6.9 / 7.4 = 93 %.
    const plan = planCapacity(singlePoolContext(), { ...forecastOf({ p50: 40, p90: 55, p99: 70 }), fingerprints: fp(2.3) });
    expect(plan).toMatchObject({ from: 4, to: 8, needed: 8, fingerprints: { needed: 8, bindingDimension: 'cpu', binds: true } });
    expect(plan.reason).toMatch(/^fingerprints: cpu binds \(fingerprints\): cluster c0 supplies 93% of the upper demand \(3 instances\); cpu binds: P50 6\.5 → buffered 7\.4 .* → 8, above the load's 6 \(P90 peak 55\.00/);
  });

  it('the load binds when the clusters need fewer; a fallback leaves the load-only plan untouched', () => {
    // CPU: P50 3 × 1 + 0.5 = 3.5 → buffered at the floor 3.85 → 4 < 6.
    const low = { ...fp(1), clusters: fp(1).clusters!.map((c) => (c.cluster === 'c0' ? { ...c, cpu: { p50: 1, upper: 1 } } : c)) };
    const plan = planCapacity(singlePoolContext(), { ...forecastOf({ p50: 40, p90: 55, p99: 70 }), fingerprints: low });
    expect(plan).toMatchObject({ to: 6, needed: 6, fingerprints: { needed: 4, binds: false } });
    expect(plan.reason).toMatch(/^P90 peak 55\.00 requests_per_second \/ \(10 × 1\) = 5\.50 → 6 instances; fingerprints need 4 \(/);
    const fallback = planCapacity(singlePoolContext(), { ...forecastOf({ p50: 40, p90: 55, p99: 70 }), fingerprints: { status: 'fallback', reason: 'stale', capacity: { cpu: 1, memoryMiB: 1 }, horizonSteps: 5 } });
    expect(fallback.fingerprints).toBeUndefined();
    expect(fallback.reason).toBe('P90 peak 55.00 requests_per_second / (10 × 1) = 5.50 → 6 instances');
  });
});

describe('champion/challenger', () => {
  const score = (cpuMae: number, windows = 10) => ({ cpuMae, perCluster: {}, windows, perPeriod: {} });
  it('promotes only a lower held-back error, or the first model', () => {
    expect(promotionVerdict(score(0.2), undefined, undefined)).toEqual({ promoted: true, reason: 'first fingerprint model of the service' });
    expect(promotionVerdict(score(0.1), score(0.2), 3)).toMatchObject({ promoted: true, reason: "held-back CPU MAE 0.1000 < champion v3's 0.2000" });
    expect(promotionVerdict(score(0.2), score(0.2), 3)).toMatchObject({ promoted: false });
    expect(promotionVerdict(score(0.3), score(0.2), 3)).toMatchObject({ promoted: false, reason: expect.stringMatching(/the champion stays/) });
    // A champion that cannot be scored (other windows) loses to any scored challenger.
    expect(promotionVerdict(score(5), score(NaN, 0), 3)).toMatchObject({ promoted: true });
    expect(promotionVerdict(score(NaN, 0), score(0.2), 3)).toMatchObject({ promoted: false });
  });
});

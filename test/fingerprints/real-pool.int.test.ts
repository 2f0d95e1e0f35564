import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adjustedRandIndex } from '../../fingerprints/ari';
import { featureNames, periodFeatures } from '../../fingerprints/features';
import { assignFleet, fitFleet, type FleetModel, type InstanceFeatures } from '../../fingerprints/fleet';
import { driveLoad } from '../../sim/load-driver';
import { generateProfile } from '../../sim/profiles';
import { TelemetryCollector } from '../../telemetry/collector';
import { FileSummaryStore } from '../../telemetry/summary-store';
import { setBehaviour, startMember, stopMember, type Member } from '../../telemetry/sample-members';

/**
 * Real processes: 8 sample-service members, two of each behaviour (cpu, memory, io, eventloop),
 * each under its own load profile from the load-profile generator (different seeds and levels),
 * sampled at 10 Hz from /proc and /metrics. Windows are compressed for a short test: 1, 2, 5 and
 * 10 s instead of 1, 5, 15 and 60 s, and a fingerprint update every 10 s instead of every minute
 * (features every second of the update period, averaged: fingerprints/features.ts periodFeatures).
 * The clusterer sees only the telemetry; the behaviour labels are used for the score alone.
 */
const WINDOWS = [1, 2, 5, 10];
const UPDATE_MS = 10_000;
const BEHAVIOURS = ['cpu', 'memory', 'io', 'eventloop'];
const SERVICE = 'fp-realpool';
const members: Member[] = [];
const store = new FileSummaryStore(mkdtempSync(join(tmpdir(), 'kinetic-fp-')));
// Summaries every 10 s here (every minute by default), persisted to files.
const collector = new TelemetryCollector({ intervalMs: 100, summaryPeriodMs: 10_000, persist: (s) => store.append(s) });
let driving: Promise<unknown>[] = [];

/** Replays a generated profile (8–16 requests per 1-minute step, a campaign, Poisson counts; one step per wall second) at one member. */
function drive(m: Member, index: number, seconds: number) {
  const series = generateProfile({
    steps: seconds,
    stepSeconds: 60,
    seed: 100 + index,
    userModel: { base: 8 + 4 * (index % 3), diurnalAmplitude: 0.4 },
    events: [{ start: 20 + 5 * (index % 4), duration: 15, multiplier: 1.6, rampUp: 3, rampDown: 3 }],
    noise: { kind: 'poisson', level: 1 },
  });
  return driveLoad({ url: `http://127.0.0.1:${m.port}/`, series, stepSeconds: 60, compression: 60, maxRps: 40, maxDurationSeconds: seconds, maxInFlight: 32 });
}

/** One fingerprint update: window features every second of the last UPDATE_MS, averaged. */
const features = (now: number): InstanceFeatures[] =>
  members.map((m) => ({ id: m.id, service: SERVICE, features: periodFeatures(collector.samples(m.id), now - UPDATE_MS, now, { windowsS: WINDOWS }) }));

beforeAll(async () => {
  for (let i = 0; i < 8; i++) {
    const b = BEHAVIOURS[i % 4];
    members.push(await startMember(`m${i}-${b}`, SERVICE, b, { SAMPLE_CPU_MS: b === 'eventloop' ? '80' : '20' }));
  }
  collector.setMembers(members.map((m) => ({ id: m.id, pid: m.pid, metricsUrl: `http://127.0.0.1:${m.port}/metrics`, service: SERVICE })));
  collector.start();
  driving = members.map((m, i) => drive(m, i, 75));
}, 60_000);

afterAll(async () => {
  collector.stop();
  await Promise.allSettled(driving);
  await Promise.all(members.map(stopMember));
  rmSync(store.dir, { recursive: true, force: true });
});

describe('behavioural fingerprints of real processes', () => {
  let model: FleetModel;

  it('clustering recovers the four behaviours (ARI ≥ 0.9) from /proc and /metrics telemetry', async () => {
    await new Promise((r) => setTimeout(r, 30_000));
    const now = Date.now();
    for (const m of members) expect(collector.samples(m.id, now - 10_000).length).toBeGreaterThan(50); // ≥ 5 Hz achieved even when loaded
    model = fitFleet(features(now), featureNames({ windowsS: WINDOWS }), { cluster: { seed: 1, kMax: 7 } });
    // Minute (here: 10 s) summaries reached the store; the memory cache shows in them.
    const summaries = members.map((m) => store.read(SERVICE, m.id));
    for (const s of summaries) expect(s.length).toBeGreaterThanOrEqual(2);
    const rss = (b: string) => members.flatMap((m, i) => (m.behaviour === b ? [summaries[i].at(-1)!.mean.rssMiB] : []));
    expect(Math.min(...rss('memory'))).toBeGreaterThan(Math.max(...rss('cpu'), ...rss('io')));
    const placed = assignFleet(model, features(now));
    const labels = placed.map((p) => p.cluster);
    const ari = adjustedRandIndex(labels, members.map((m) => m.behaviour));
    console.log(JSON.stringify({ k: model.clusters.length, tried: model.tried, components: model.reducer.components.length, explained: model.reducer.explained, labels, behaviours: members.map((m) => m.behaviour), ari }));
    expect(ari).toBeGreaterThanOrEqual(0.9);
  }, 60_000);

  it('a member that switches behaviour moves to the right cluster within two fingerprint updates', async () => {
    const mover = members[0]; // cpu
    const target = members.find((m) => m.behaviour === 'io')!;
    expect(await setBehaviour(mover, 'io')).toBe(200);
    const placements: string[] = [];
    for (let update = 1; update <= 2; update++) {
      await new Promise((r) => setTimeout(r, UPDATE_MS));
      const placed = assignFleet(model, features(Date.now()));
      placements.push(placed.find((p) => p.id === mover.id)!.cluster);
      if (placements.at(-1) === placed.find((p) => p.id === target.id)!.cluster) break;
    }
    const ioCluster = assignFleet(model, features(Date.now())).find((p) => p.id === target.id)!.cluster;
    console.log(JSON.stringify({ placements, ioCluster }));
    expect(placements.at(-1)).toBe(ioCluster);
  }, 60_000);
});

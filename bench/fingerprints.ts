/**
 * bench:fingerprints — behavioural fingerprints on a real pool of sample-service processes.
 *
 *   npm run bench:fingerprints                 # = npx tsx bench/fingerprints.ts (about 6–8 minutes)
 *   npx tsx bench/fingerprints.ts --seconds 300 --step-seconds 3 --json
 *   npx tsx bench/fingerprints.ts --seconds 180 --step-seconds 2 --profile-seed 101 --save dev.json
 *   npx tsx bench/fingerprints.ts --replay dev.json      # analyse kept telemetry again, no pool
 *
 * Eight members (two each of cpu, memory, io and eventloop), each replaying its own one-day load
 * profile from the load-profile generator, compressed so one profile step (864 s) plays in
 * `--step-seconds` of wall time; the collector samples every member at 10 Hz. One bench step
 * stands for one fingerprint update ("a minute"), so the horizons of 5 and 15 minutes are 5 and
 * 15 steps. Per step and member: features (windows 1, 3, 9 s, averaged every second of the step),
 * CPU (cores) and RSS (MiB), request rate, and the load forecast = the profile without its noise
 * (the same forecast for every model that uses one).
 *
 * Protocol: the first 70 % of steps train everything (reducer, clusters, models); the last 30 %
 * are held back and only scored. Inside the training part each model decides by rolling-origin
 * cross-validation whether its GRU correction is kept and calibrates its P10–P90 band
 * (models/cluster-utilisation.ts); the held-back part plays no role in either.
 * Models: a model per cluster; one global model on all members (same inputs, structure, gate and
 * budget), and the same with its GRU correction always on; persistence per instance. The better
 * baseline is the best of those three on the held-back targets. Develop on other profile seeds
 * (`--profile-seed`) and replayed recordings, never on the run you report. Reported: CPU and memory MAE at h = 5 and 15 on
 * held-back targets; collector CPU per member at 10 Hz; fingerprint time per 100 instances with
 * the production windows (1, 5, 15, 60 s, 60 s update).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { adjustedRandIndex } from '../fingerprints/ari';
import { featureNames, periodFeatures } from '../fingerprints/features';
import { fitFleet } from '../fingerprints/fleet';
import { fingerprint } from '../fingerprints/reduce';
import type { TelemetrySample } from '../fingerprints/signals';
import { fitUtilisationModel, forecastUtilisation, type InstanceSeries, type UtilisationModel } from '../models/cluster-utilisation';
import { driveLoad } from '../sim/load-driver';
import { generateProfile, type ProfileSpec } from '../sim/profiles';
import { TelemetryCollector } from '../telemetry/collector';
import { startMember, stopMember, type Member } from '../telemetry/sample-members';
import { commandLine, describeLoad, infoLines, LoadSampler, runInfo } from './helpers/run-info';

const { values: flags } = parseArgs({
  options: {
    seconds: { type: 'string', default: '300' },
    'step-seconds': { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
    seed: { type: 'string', default: '42' },
    // Seeds of the members' load profiles (member i gets profile-seed + i): develop on another.
    'profile-seed': { type: 'string', default: '7' },
    // Keep the pool's telemetry in a file, or analyse a kept file again without a pool (development).
    save: { type: 'string' },
    replay: { type: 'string' },
  },
});
const SECONDS = Number(flags.seconds);
const STEP_S = Number(flags['step-seconds']);
const SEED = Number(flags.seed);
const PROFILE_SEED = Number(flags['profile-seed']);
const WINDOWS = [1, 3, 9];
const HORIZONS = [5, 15];
const BEHAVIOURS = ['cpu', 'memory', 'io', 'eventloop'];
const PROFILE_STEP_S = 864; // 100 profile steps = one day

function profile(i: number, steps: number, noisy: boolean): number[] {
  const spec: ProfileSpec = {
    steps,
    stepSeconds: PROFILE_STEP_S,
    seed: PROFILE_SEED + i,
    // Requests per profile step = per wall step: 15–33 per 3 s, i.e. 5–11 req/s at the daily mean.
    userModel: { base: (5 + 2 * (i % 4)) * STEP_S, diurnalAmplitude: 0.6, peakHour: 6 + 3 * i },
    events: [{ start: Math.round(steps * (0.3 + 0.08 * (i % 5))), duration: Math.round(steps * 0.1), multiplier: 1.8, rampUp: 2, rampDown: 2 }],
  };
  return generateProfile(noisy ? { ...spec, noise: { kind: 'gaussian', level: 0.2 } } : spec);
}

const mean = (xs: TelemetrySample[], f: (x: TelemetrySample) => number) => (xs.length ? xs.reduce((a, x) => a + f(x), 0) / xs.length : NaN);

interface Recording {
  t0: number;
  wallMs: number;
  steps: number;
  stepSeconds: number;
  profileSeed: number;
  members: Array<{ id: string; behaviour: string }>;
  samples: Record<string, TelemetrySample[]>;
  planned: number[][];
  load: ReturnType<LoadSampler['stop']>;
  collector: Record<string, unknown>;
}

/** Runs the pool: eight real members under their load profiles, sampled by the collector at 10 Hz. */
async function record(): Promise<Recording> {
  const load = new LoadSampler().start();
  const steps = Math.floor(SECONDS / STEP_S);
  const members: Member[] = [];
  for (let i = 0; i < 8; i++) {
    const b = BEHAVIOURS[i % 4];
    members.push(await startMember(`m${i}-${b}`, 'fp-bench', b, { SAMPLE_CPU_MS: b === 'eventloop' ? '80' : '20' }));
  }
  const collector = new TelemetryCollector({ intervalMs: 100, ringCapacity: SECONDS * 10 + 600 });
  collector.setMembers(members.map((m) => ({ id: m.id, pid: m.pid, metricsUrl: `http://127.0.0.1:${m.port}/metrics`, service: 'fp-bench' })));
  const planned = members.map((_, i) => profile(i, steps, false));
  collector.start();
  // Overhead: 15 s with only the collector running in this process (members idle), so the
  // process's CPU is the collector's; the members' own CPU then is mostly answering /metrics.
  const idle0 = Date.now();
  const idleCpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, 15_000));
  const idleCpu = process.cpuUsage(idleCpu0);
  const idleMs = Date.now() - idle0;
  const idleMemberCpu = members.map((m) => mean(collector.samples(m.id, idle0 + 2000), (x) => x.cpuCores));
  const idleSamples = members.map((m) => collector.samples(m.id, idle0 + 2000).length / ((idleMs - 2000) / 1000));
  const t0 = Date.now();
  try {
    await Promise.all(
      members.map((m, i) =>
        driveLoad({ url: `http://127.0.0.1:${m.port}/`, series: profile(i, steps, true), stepSeconds: PROFILE_STEP_S, compression: PROFILE_STEP_S / STEP_S, maxRps: 60, maxDurationSeconds: SECONDS, maxInFlight: 32 }),
      ),
    );
  } finally {
    collector.stop();
    await Promise.all(members.map(stopMember));
  }
  const wallMs = Date.now() - t0;
  return {
    t0,
    wallMs,
    steps,
    stepSeconds: STEP_S,
    profileSeed: PROFILE_SEED,
    members: members.map((m) => ({ id: m.id, behaviour: m.behaviour })),
    samples: Object.fromEntries(members.map((m) => [m.id, collector.samples(m.id)])),
    planned,
    load: load.stop(),
    collector: {
      idleSeconds: idleMs / 1000,
      collectorCpuPercentPerMember: ((idleCpu.user + idleCpu.system) / 1000 / idleMs / members.length) * 100,
      idleMemberCpuPercent: idleMemberCpu.map((c) => c * 100),
      idleSamplesPerSecond: idleSamples,
      underLoad: { ticks: collector.stats.ticks, skippedMemberSamples: collector.stats.skippedTicks, failedReads: collector.stats.failedReads },
      samplesPerSecondUnderLoad: members.map((m) => collector.samples(m.id).filter((x) => x.t >= t0).length / (wallMs / 1000)),
    },
  };
}

/** A recording kept by `--save`; anything else is refused with what to do. */
function readRecording(file: string): Recording {
  let rec: Partial<Recording>;
  try {
    rec = JSON.parse(readFileSync(file, 'utf8')) as Partial<Recording>;
  } catch (e) {
    throw new Error(`--replay ${file}: cannot read it as JSON (${(e as Error).message}); give a file written by --save`);
  }
  for (const k of ['t0', 'wallMs', 'steps', 'stepSeconds', 'members', 'samples', 'planned'] as const) {
    if (rec[k] === undefined) throw new Error(`--replay ${file}: no "${k}" field; give a file written by bench/fingerprints.ts --save`);
  }
  return rec as Recording;
}

async function main() {
  const info = runInfo(commandLine('bench/fingerprints.ts'));
  const rec: Recording = flags.replay ? readRecording(flags.replay) : await record();
  if (flags.save) writeFileSync(flags.save, JSON.stringify(rec));
  const { t0, wallMs, steps, members, planned } = rec;
  const stepSeconds = rec.stepSeconds;
  const loadSummary = rec.load;

  // Steps: [t0 + s·step, t0 + (s+1)·step).
  const stepMs = stepSeconds * 1000;
  const samples = new Map(members.map((m) => [m.id, rec.samples[m.id]]));
  const usable = Math.min(steps, Math.floor(wallMs / stepMs));
  const trainUntil = Math.floor(usable * 0.7);
  const names = featureNames({ windowsS: WINDOWS });
  const stepFeatures = members.map((m) =>
    Array.from({ length: usable }, (_, s) => periodFeatures(samples.get(m.id)!, t0 + s * stepMs, t0 + (s + 1) * stepMs, { windowsS: WINDOWS, stepMs: 1000 })),
  );
  // Fleet model from the training steps only: one vector per member (its mean over those steps).
  const fleet = fitFleet(
    members.map((m, i) => ({ id: m.id, service: 'fp-bench', features: names.map((_, j) => stepFeatures[i].slice(1, trainUntil).reduce((a, v) => a + v[j], 0) / (trainUntil - 1)) })),
    names,
    { cluster: { seed: 1, kMax: 7 } },
  );
  const clusterOf = new Map(fleet.clusters.flatMap((c) => c.members.map((id) => [id, c.id])));
  const ari = adjustedRandIndex(members.map((m) => clusterOf.get(m.id)!), members.map((m) => m.behaviour));
  const series: InstanceSeries[] = members.map((m, i) => ({
    id: m.id,
    steps: Array.from({ length: usable }, (_, s) => {
      const inStep = samples.get(m.id)!.filter((x) => x.t >= t0 + s * stepMs && x.t < t0 + (s + 1) * stepMs);
      return {
        fingerprint: fingerprint(fleet.reducer, stepFeatures[i][s]),
        cpu: mean(inStep, (x) => x.cpuCores),
        mem: mean(inStep, (x) => x.rssMiB),
        load: mean(inStep, (x) => x.requestsPerSec),
        loadForecast: planned[i][s] / stepSeconds,
      };
    }),
  }));
  // The first step has no previous reading for its rates: drop it. A step without any sample (a
  // member whose loop was blocked for the whole step) carries the previous step's readings.
  for (const s of series) {
    s.steps = s.steps.slice(1);
    s.steps.forEach((st, k) => {
      if (k > 0 && !Number.isFinite(st.cpu)) Object.assign(st, { cpu: s.steps[k - 1].cpu, mem: s.steps[k - 1].mem, load: s.steps[k - 1].load });
    });
  }
  const until = trainUntil - 1;

  const results: Record<string, unknown>[] = [];
  for (const h of HORIZONS) {
    const global = await fitUtilisationModel(series, { horizon: h, trainUntil: until, seed: SEED });
    // The global model with its GRU correction always on (as before the gate): a baseline too, so
    // the gate cannot make the comparison easier by weakening the global model.
    const globalNet = await fitUtilisationModel(series, { horizon: h, trainUntil: until, seed: SEED, correction: 'always' });
    const perCluster = new Map<string, UtilisationModel>();
    for (const c of fleet.clusters) perCluster.set(c.id, await fitUtilisationModel(series.filter((s) => clusterOf.get(s.id) === c.id), { horizon: h, trainUntil: until, seed: SEED }));
    const err = { cluster: [0, 0], global: [0, 0], globalNet: [0, 0], persistence: [0, 0], covered: 0, n: 0, coveredMem: 0, coveredGlobal: 0 };
    // CPU MAE per member (cluster / global / global with the GRU always on / persistence), to see where each model wins.
    const perMember: Record<string, { n: number; cluster: number; global: number; globalNet: number; persistence: number }> = {};
    for (const s of series) {
      const model = perCluster.get(clusterOf.get(s.id)!)!;
      for (let t = Math.max(model.window - 1, until - h); t + h < s.steps.length; t++) {
        const actual = s.steps[t + h];
        const c = forecastUtilisation(model, s.steps, t);
        const g = forecastUtilisation(global, s.steps, t);
        const gn = forecastUtilisation(globalNet, s.steps, t);
        err.cluster[0] += Math.abs(c.cpu.p50 - actual.cpu);
        err.cluster[1] += Math.abs(c.mem.p50 - actual.mem);
        err.global[0] += Math.abs(g.cpu.p50 - actual.cpu);
        err.global[1] += Math.abs(g.mem.p50 - actual.mem);
        err.globalNet[0] += Math.abs(gn.cpu.p50 - actual.cpu);
        err.globalNet[1] += Math.abs(gn.mem.p50 - actual.mem);
        err.persistence[0] += Math.abs(s.steps[t].cpu - actual.cpu);
        err.persistence[1] += Math.abs(s.steps[t].mem - actual.mem);
        if (actual.cpu >= c.cpu.p10 && actual.cpu <= c.cpu.p90) err.covered++;
        if (actual.mem >= c.mem.p10 && actual.mem <= c.mem.p90) err.coveredMem++;
        if (actual.cpu >= g.cpu.p10 && actual.cpu <= g.cpu.p90) err.coveredGlobal++;
        err.n++;
        const pm = (perMember[s.id] ??= { n: 0, cluster: 0, global: 0, globalNet: 0, persistence: 0 });
        pm.n++;
        pm.cluster += Math.abs(c.cpu.p50 - actual.cpu);
        pm.global += Math.abs(g.cpu.p50 - actual.cpu);
        pm.globalNet += Math.abs(gn.cpu.p50 - actual.cpu);
        pm.persistence += Math.abs(s.steps[t].cpu - actual.cpu);
      }
    }
    const m = (x: number[]) => ({ cpu: x[0] / err.n, mem: x[1] / err.n });
    const cl = m(err.cluster);
    const gl = m(err.global);
    const gn = m(err.globalNet);
    const pe = m(err.persistence);
    const better = Math.min(gl.cpu, gn.cpu, pe.cpu);
    const structure = (m: UtilisationModel) => ({ cpuFloor: m.cpuMap?.floor, cpuPerRequest: m.cpuMap?.perRequest, rho: m.rho, gruKept: { cpu: m.useNet?.[0], mem: m.useNet?.[1] }, gate: m.gate, cpuBand: [m.lower[0], m.upper[0]] });
    results.push({
      horizon: h,
      models: { global: structure(global), ...Object.fromEntries([...perCluster.entries()].map(([id, m]) => [id, structure(m)])) },
      heldBackTargets: err.n, maeCluster: cl, maeGlobal: gl, maeGlobalAlwaysNet: gn, maePersistence: pe, cpuGainVsBetterBaseline: 1 - cl.cpu / better, cpuP10P90Coverage: err.covered / err.n,
      memP10P90Coverage: err.coveredMem / err.n, cpuP10P90CoverageGlobal: err.coveredGlobal / err.n,
      cpuMaePerMember: Object.fromEntries(Object.entries(perMember).map(([id, v]) => [id, [v.cluster / v.n, v.global / v.n, v.globalNet / v.n, v.persistence / v.n].map((x) => Number(x.toFixed(5)))])),
    });
  }

  // Fingerprint time per 100 instances: production windows over the last 60 s, every second.
  const prodNames = featureNames();
  const end = t0 + usable * stepMs;
  const tf0 = performance.now();
  const prodVectors = Array.from({ length: 100 }, (_, i) => periodFeatures(samples.get(members[i % 8].id)!, end - 60_000, end));
  const tf1 = performance.now();
  const prodFleet = fitFleet(prodVectors.map((features, i) => ({ id: `i${i}`, service: 'x', features })), prodNames, { cluster: { seed: 1, kMax: 8 } });
  const tf2 = performance.now();

  const report = {
    info,
    load: describeLoad(loadSummary),
    wallSeconds: wallMs / 1000,
    steps: usable - 1,
    trainSteps: until,
    clusters: fleet.clusters.map((c) => ({ id: c.id, members: c.members })),
    clusteringAri: ari,
    results,
    ...(flags.replay ? { replayedFrom: flags.replay, recordedWith: { profileSeed: rec.profileSeed, stepSeconds } } : {}),
    collector: rec.collector,
    fingerprintMsPer100: { features: tf1 - tf0, fitReducerAndClusters: tf2 - tf1, k: prodFleet.clusters.length },
  };
  if (flags.json) console.log(JSON.stringify(report));
  else {
    for (const l of infoLines(info)) console.log(l);
    console.log(JSON.stringify(report, null, 2));
  }
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});

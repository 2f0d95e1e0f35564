import { forecastUtilisation, type UtilisationStep } from '../models/cluster-utilisation';
import type { ClusterForecast } from './capacity';
import { assignFleet } from './fleet';
import type { FingerprintModelVersion } from './model-version';
import { fingerprint } from './reduce';
import type { MinuteSummary } from './summary';

/**
 * What a decision gets from the fingerprint store (pure): each fresh member placed in its cluster by
 * the champion model, its CPU and memory forecast `horizonSteps` periods ahead (the cluster's GRU
 * when it has one, persistence of the newest summary otherwise), summed per cluster for
 * fingerprints/capacity.ts. Anything missing or stale is a `fallback` with the reason, never an error:
 * the decision then plans on load alone.
 */
export interface MemberForecast {
  id: string;
  cluster: string;
  source: 'gru' | 'persistence';
  cpu: { p50: number; upper: number };
  mem: { p50: number; upper: number };
}

export type FingerprintForecast =
  | { status: 'used'; modelVersion: number; horizonSteps: number; clusters: ClusterForecast[]; members: MemberForecast[]; newestAt: number; notes: string[] }
  | { status: 'fallback'; reason: string };

export interface ForecastOptions {
  now: number;
  maxAgeMs: number;
  /** The load forecast for the whole pool at the horizon (requests/s): split evenly over the members placed. */
  load: number;
  /** Where the summaries come from, for the reasons ("<dir>/<service>"). */
  source: string;
}

/** One member's summaries (oldest first) as the utilisation model's steps. */
export function stepsOf(model: FingerprintModelVersion, summaries: readonly MinuteSummary[]): UtilisationStep[] {
  return summaries.map((s) => ({
    fingerprint: fingerprint(model.fleet.reducer, s.features ?? []),
    cpu: s.mean.cpuCores,
    mem: s.mean.rssMiB,
    load: s.mean.requestsPerSec,
    loadForecast: s.mean.requestsPerSec,
  }));
}

export function forecastMember(model: FingerprintModelVersion, id: string, summaries: readonly MinuteSummary[], loadForecast: number): MemberForecast {
  const newest = summaries[summaries.length - 1];
  const [placed] = assignFleet(model.fleet, [{ id, service: model.service, features: newest.features ?? [] }]);
  const gru = model.clusterModels[placed.cluster];
  if (gru && summaries.length >= gru.window) {
    const steps = stepsOf(model, summaries);
    const origin = steps.length - 1;
    // Only the target step's load forecast is read beyond the origin.
    for (let k = 1; k <= gru.horizon; k++) steps.push({ ...steps[origin], loadForecast });
    const f = forecastUtilisation(gru, steps, origin);
    return { id, cluster: placed.cluster, source: 'gru', cpu: { p50: f.cpu.p50, upper: Math.max(f.cpu.p50, f.cpu.p90) }, mem: { p50: f.mem.p50, upper: Math.max(f.mem.p50, f.mem.p90) } };
  }
  const cpu = newest.mean.cpuCores;
  const mem = newest.mean.rssMiB;
  return { id, cluster: placed.cluster, source: 'persistence', cpu: { p50: cpu, upper: Math.max(cpu, newest.p95.cpuCores) }, mem: { p50: mem, upper: Math.max(mem, newest.p95.rssMiB) } };
}

/** Whether a summary can be placed by `model`: it carries features of the same windows and length. */
export function placeable(model: FingerprintModelVersion, s: MinuteSummary): boolean {
  return !!s.features && s.features.length === model.fleet.reducer.featureNames.length && (s.windowsS ?? []).join() === model.windowsS.join() && s.features.every(Number.isFinite);
}

export function fingerprintForecast(model: FingerprintModelVersion | undefined, byMember: Record<string, readonly MinuteSummary[]>, opts: ForecastOptions): FingerprintForecast {
  if (!model) return { status: 'fallback', reason: 'no fitted fingerprint model yet (the fingerprint loop fits one: kinetic schedule trigger fingerprints); planned on load alone' };
  const withData = Object.entries(byMember).filter(([, s]) => s.length > 0);
  if (withData.length === 0) return { status: 'fallback', reason: `no telemetry summaries in ${opts.source}: is the collector running (kinetic fingerprints collect)? Planned on load alone` };
  const newestAt = Math.max(...withData.map(([, s]) => s[s.length - 1].to));
  const fresh = withData.filter(([, s]) => opts.now - s[s.length - 1].to <= opts.maxAgeMs);
  if (fresh.length === 0) {
    return {
      status: 'fallback',
      reason: `fingerprint telemetry is stale: the newest summary in ${opts.source} ended ${Math.round((opts.now - newestAt) / 1000)} s ago (fingerprints.maxAge ${Math.round(opts.maxAgeMs / 1000)} s); is the collector running? Planned on load alone`,
    };
  }
  const usable = fresh.filter(([, s]) => placeable(model, s[s.length - 1]));
  if (usable.length === 0) {
    const s = fresh[0][1][fresh[0][1].length - 1];
    return {
      status: 'fallback',
      reason: `summaries carry features for windows [${(s.windowsS ?? []).join(', ')}] s but fingerprint model v${model.version} was fitted on [${model.windowsS.join(', ')}] s: refit (kinetic schedule trigger fingerprints); planned on load alone`,
    };
  }
  if (!(opts.load >= 0 && Number.isFinite(opts.load))) throw new RangeError(`load forecast must be a finite number >= 0, got ${opts.load}`);
  const members = usable.map(([id, s]) => forecastMember(model, id, s.filter((x) => placeable(model, x)), opts.load / usable.length));
  const clusters = new Map<string, MemberForecast[]>();
  for (const m of members) clusters.set(m.cluster, [...(clusters.get(m.cluster) ?? []), m]);
  const mean = (xs: MemberForecast[], f: (m: MemberForecast) => number) => xs.reduce((a, m) => a + f(m), 0) / xs.length;
  const notes: string[] = [];
  const left = withData.length - usable.length;
  if (left > 0) notes.push(`${left} member(s) without a fresh placeable summary left out (scaled in, or the collector missed them)`);
  return {
    status: 'used',
    modelVersion: model.version,
    horizonSteps: model.horizonSteps,
    newestAt,
    notes,
    members,
    clusters: [...clusters.entries()]
      .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
      .map(([cluster, ms]) => ({
        cluster,
        instances: ms.length,
        cpu: { p50: mean(ms, (m) => m.cpu.p50), upper: mean(ms, (m) => m.cpu.upper) },
        mem: { p50: mean(ms, (m) => m.mem.p50), upper: mean(ms, (m) => m.mem.upper) },
      })),
  };
}

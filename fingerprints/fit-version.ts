import { fitUtilisationModel, type UtilisationModel } from '../models/cluster-utilisation';
import { featureNames } from './features';
import { fitFleet } from './fleet';
import { forecastMember, placeable, stepsOf } from './member-forecast';
import type { FingerprintModelVersion } from './model-version';
import type { MinuteSummary } from './summary';

/**
 * The adaptive loop's maths (pure apart from the GRU training): fit a challenger on a service's
 * summaries (reducer, clusters with ids matched to the champion's, a GRU per cluster where the
 * training part holds enough windows), score any model on held-back periods, and say whether the
 * challenger beats the champion. The last `holdBack` periods of every member are never trained on.
 */
export interface FitOptions {
  service: string;
  horizonSteps: number;
  holdBack: number;
  stepMs: number;
  reason: string;
  now: number;
  champion?: FingerprintModelVersion;
  seed?: number;
  epochs?: number;
}

export type Challenger = Omit<FingerprintModelVersion, 'version' | 'promotion'>;

export interface Score {
  cpuMae: number;
  perCluster: Record<string, number>;
  windows: number;
  /** MAE per cluster per scored period (oldest first): what the drift trigger reads. */
  perPeriod: Record<string, number[]>;
}

/** Summaries a model can use, per member, oldest first. */
function usable(byMember: Record<string, readonly MinuteSummary[]>, windowsS: readonly number[]): Record<string, MinuteSummary[]> {
  const out: Record<string, MinuteSummary[]> = {};
  for (const [id, s] of Object.entries(byMember)) {
    const ok = s.filter((x) => x.features?.every(Number.isFinite) && (x.windowsS ?? []).join() === windowsS.join());
    if (ok.length > 0) out[id] = [...ok].sort((a, b) => a.to - b.to);
  }
  return out;
}

export async function fitChallenger(byMember: Record<string, readonly MinuteSummary[]>, opts: FitOptions): Promise<Challenger> {
  const newest = Object.values(byMember).flat().sort((a, b) => b.to - a.to)[0];
  if (!newest?.windowsS) throw new RangeError(`service ${opts.service}: no summaries with fingerprint features; run the collector (kinetic fingerprints collect) first`);
  const windowsS = newest.windowsS;
  const data = usable(byMember, windowsS);
  const ids = Object.keys(data).sort();
  if (ids.length < 3) throw new RangeError(`service ${opts.service}: ${ids.length} member(s) with fingerprint summaries, clustering needs at least 3`);
  // The fleet is fitted on each member's mean features over its training periods.
  const train = (s: MinuteSummary[]) => (s.length > opts.holdBack ? s.slice(0, s.length - opts.holdBack) : s);
  const instances = ids.map((id) => {
    const rows = train(data[id]).map((x) => x.features!);
    return { id, service: opts.service, features: rows[0].map((_, j) => rows.reduce((a, r) => a + r[j], 0) / rows.length) };
  });
  const sameWindows = opts.champion?.windowsS.join() === windowsS.join();
  const fleet = fitFleet(instances, featureNames({ windowsS }), { previous: sameWindows ? opts.champion?.fleet : undefined, cluster: { seed: opts.seed ?? 1 } });
  const base: Challenger = {
    service: opts.service,
    ...(opts.champion ? { parent: opts.champion.version } : {}),
    createdAt: opts.now,
    reason: opts.reason,
    dataWindow: { from: Math.min(...ids.map((id) => data[id][0].from)), to: Math.max(...ids.map((id) => data[id][data[id].length - 1].to)) },
    windowsS: [...windowsS],
    fleet,
    clusterModels: {},
    horizonSteps: opts.horizonSteps,
    stepMs: opts.stepMs,
  };
  const clusterModels: Record<string, UtilisationModel> = {};
  for (const c of fleet.clusters) {
    const series = c.members.map((id) => ({ id, steps: stepsOf({ ...base, version: 0 }, data[id]) }));
    const trainUntil = Math.min(...series.map((s) => s.steps.length)) - opts.holdBack;
    try {
      clusterModels[c.id] = await fitUtilisationModel(series, { horizon: opts.horizonSteps, trainUntil, seed: opts.seed ?? 42, epochs: opts.epochs });
    } catch (e) {
      // Too few windows: this cluster forecasts by persistence until more periods are collected.
      if (!(e instanceof RangeError)) throw e;
    }
  }
  return { ...base, clusterModels };
}

/** fitChallenger as a compute-thread task (one structured-clonable argument): compute/tasks.ts. */
export function fitChallengerTask(input: { byMember: Record<string, MinuteSummary[]>; opts: FitOptions }): Promise<Challenger> {
  return fitChallenger(input.byMember, input.opts);
}

/** MAE of the CPU forecast (cores) for targets in the last `periods` periods of every member, per cluster. */
export function scoreModel(model: FingerprintModelVersion, byMember: Record<string, readonly MinuteSummary[]>, periods: number): Score {
  const h = model.horizonSteps;
  const sums: Record<string, { sum: number; n: number }> = {};
  const perPeriodSums: Record<string, Map<number, { sum: number; n: number }>> = {};
  let total = 0;
  let n = 0;
  for (const [id, all] of Object.entries(byMember)) {
    const s = [...all].filter((x) => placeable(model, x)).sort((a, b) => a.to - b.to);
    for (let target = Math.max(h, s.length - periods); target < s.length; target++) {
      const origin = target - h;
      const f = forecastMember(model, id, s.slice(0, origin + 1), s[target].mean.requestsPerSec);
      const err = Math.abs(f.cpu.p50 - s[target].mean.cpuCores);
      sums[f.cluster] ??= { sum: 0, n: 0 };
      sums[f.cluster].sum += err;
      sums[f.cluster].n++;
      const period = Math.round(s[target].to / model.stepMs);
      perPeriodSums[f.cluster] ??= new Map();
      const p = perPeriodSums[f.cluster].get(period) ?? { sum: 0, n: 0 };
      perPeriodSums[f.cluster].set(period, { sum: p.sum + err, n: p.n + 1 });
      total += err;
      n++;
    }
  }
  const perPeriod: Record<string, number[]> = {};
  for (const [c, m] of Object.entries(perPeriodSums)) perPeriod[c] = [...m.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v.sum / v.n);
  return { cpuMae: n > 0 ? total / n : NaN, perCluster: Object.fromEntries(Object.entries(sums).map(([c, v]) => [c, v.sum / v.n])), windows: n, perPeriod };
}

/** Champion/challenger: the challenger wins only with a lower held-back error (or when there is no champion to beat). */
export function promotionVerdict(challenger: Score, champion: Score | undefined, championVersion?: number): { promoted: boolean; reason: string } {
  if (championVersion === undefined) return { promoted: true, reason: 'first fingerprint model of the service' };
  if (!(challenger.windows > 0)) return { promoted: false, reason: `no held-back periods to score the challenger on; v${championVersion} stays champion` };
  const theirs = champion && champion.windows > 0 ? champion.cpuMae : Infinity;
  const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : 'unusable');
  return challenger.cpuMae < theirs
    ? { promoted: true, reason: `held-back CPU MAE ${fmt(challenger.cpuMae)} < champion v${championVersion}'s ${fmt(theirs)}` }
    : { promoted: false, reason: `held-back CPU MAE ${fmt(challenger.cpuMae)} >= champion v${championVersion}'s ${fmt(theirs)}; the champion stays` };
}

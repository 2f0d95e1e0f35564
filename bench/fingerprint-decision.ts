/**
 * What fingerprints cost a decision and the adaptive loop (issue 17), on synthetic summaries of
 * the production shape (features of windows 1, 5, 15, 60 s; one summary per minute): the loop's
 * challenger fit (reducer, clusters, a GRU per cluster) and the decision's fingerprint step
 * (read the champion and every member's newest summaries from files, place, forecast), for N
 * members. Synthetic because the cost depends on shapes, not on what the processes did; the
 * real-pool numbers are bench:fingerprints'.
 *
 *   npx tsx bench/fingerprint-decision.ts [--members 100] [--periods 60] [--json]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fingerprintSummaryFor } from '../activities/fingerprint-capacity';
import type { ServiceConfig } from '../config/schema';
import { DEFAULT_WINDOWS_S, featureNames } from '../fingerprints/features';
import { fitChallenger } from '../fingerprints/fit-version';
import { SIGNALS, type Signal } from '../fingerprints/signals';
import type { MinuteSummary } from '../fingerprints/summary';
import { mulberry32 } from '../models/random';
import { FingerprintModelStore } from '../store/fingerprint-store';
import { FileSummaryStore } from '../telemetry/summary-store';
import { commandLine, describeLoad, infoLines, LoadSampler, runInfo } from './helpers/run-info';

async function main() {
  const { values: flags } = parseArgs({ options: { members: { type: 'string' }, periods: { type: 'string' }, json: { type: 'boolean' } } });
  const members = Number(flags.members ?? 100);
  const periods = Number(flags.periods ?? 60);
  const info = runInfo(commandLine('bench/fingerprint-decision.ts'));
  const load = new LoadSampler().start();
  const rnd = mulberry32(7);
  const windowsS = [...DEFAULT_WINDOWS_S];
  const nFeatures = featureNames({ windowsS }).length;
  // Three behaviours: each its own feature level per column and CPU level; noise per member and minute.
  const levels = [0, 1, 2].map(() => Array.from({ length: nFeatures }, () => 1 + 100 * rnd()));
  const cpuOf = [0.8, 0.2, 0.05];
  const stepMs = 60_000;
  const now = Date.now();
  const start = now - periods * stepMs;
  const byMember: Record<string, MinuteSummary[]> = {};
  for (let m = 0; m < members; m++) {
    const g = m % 3;
    byMember[`m${m}`] = Array.from({ length: periods }, (_, k) => {
      const cpu = cpuOf[g] * (1 + 0.3 * Math.sin(k / 7) + 0.1 * (rnd() - 0.5));
      const sig = (v: Partial<Record<Signal, number>>) => Object.fromEntries(SIGNALS.map((s) => [s, v[s] ?? rnd()])) as Record<Signal, number>;
      return {
        member: `m${m}`,
        service: 'bench',
        from: start + k * stepMs,
        to: start + (k + 1) * stepMs,
        samples: 600,
        mean: sig({ cpuCores: cpu, rssMiB: 60 + 40 * g, requestsPerSec: 10 * (1 + 0.3 * Math.sin(k / 7)) }),
        p95: sig({ cpuCores: cpu * 1.2, rssMiB: 62 + 40 * g }),
        features: levels[g].map((v) => v * (1 + 0.05 * (rnd() - 0.5))),
        windowsS,
      };
    });
  }
  const root = mkdtempSync(join(tmpdir(), 'kinetic-fp-bench-'));
  const summaries = new FileSummaryStore(join(root, 'telemetry'));
  for (const s of Object.values(byMember).flat()) summaries.append(s);

  const t0 = performance.now();
  const challenger = await fitChallenger(byMember, { service: 'bench', horizonSteps: 5, holdBack: 5, stepMs, reason: 'bench', now });
  const fitMs = performance.now() - t0;
  const models = new FingerprintModelStore(root);
  const v = models.add({ ...challenger, promotion: { promoted: true, reason: 'bench' } });
  models.promote('bench', v.version);

  const svc = { fingerprints: { enabled: true, summariesDir: join(root, 'telemetry'), maxAge: 600, horizonSteps: 5, capacity: { cpu: 1, memoryMiB: 4096 } } } as unknown as ServiceConfig;
  const times: number[] = [];
  let used = '';
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    const f = fingerprintSummaryFor(root, 'bench', svc, 10 * members, Date.now());
    times.push(performance.now() - t);
    used = `${f?.status}: ${(f?.clusters ?? []).map((c) => `${c.cluster} ×${c.instances} (${c.sources.join('/')})`).join(', ')}`;
  }
  times.sort((a, b) => a - b);
  const report = {
    info,
    load: describeLoad(load.stop()),
    members,
    periods,
    features: nFeatures,
    clusters: challenger.fleet.clusters.length,
    gruClusters: Object.keys(challenger.clusterModels).length,
    loopFitMs: Math.round(fitMs),
    decisionStepMs: { median: Math.round(times[2]), min: Math.round(times[0]), max: Math.round(times[4]) },
    decisionStep: used,
  };
  if (flags.json) console.log(JSON.stringify(report));
  else {
    for (const l of infoLines(info)) console.log(l);
    console.log(JSON.stringify(report, null, 2));
  }
}

void main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

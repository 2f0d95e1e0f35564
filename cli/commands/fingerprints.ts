import { parseArgs } from 'node:util';
import { UserError, type CliCommand } from '../command';
import { FlagError, numberFlag } from '../../sim/flags';
import { DEFAULT_WINDOWS_S, featureNames, periodFeatures } from '../../fingerprints/features';
import { assignFleet, fitFleet, membershipByService } from '../../fingerprints/fleet';
import { TelemetryCollector, type CollectedMember } from '../../telemetry/collector';
import { poolMembers } from '../../telemetry/pool-members';
import { join } from 'node:path';
import { loadConfig } from '../../config/load';
import { fingerprintForecast } from '../../fingerprints/member-forecast';
import { FingerprintModelStore } from '../../store/fingerprint-store';
import { FileSummaryStore } from '../../telemetry/summary-store';

const usage = `Usage: kinetic fingerprints clusters|show [targets] [options]
       kinetic fingerprints clusters|show --service NAME [--config F] [--json]
       kinetic fingerprints collect --service NAME (--lb URL | --pid ID=PID[@PORT])… [--dir DIR] [--config F] [--period S] [--windows LIST]

With --service: what the running collector stored and the adaptive loop fitted — the champion
fingerprint model, its lineage (version, parent, data window, reason, held-back error, promotion),
its clusters, and (show) where each member's newest summary places it. collect runs the collector
on a local pool until interrupted, writing minute summaries where decisions read them
(fingerprints.summariesDir, default <stateDir>/telemetry).
Without --service:
Samples processes at 10 Hz from /proc/<pid>/{stat,status,io} and their Prometheus /metrics, turns
the telemetry into window features and fingerprints (PCA to ≥ 90 % explained variance), and
clusters them with k-means (k chosen by silhouette).

  clusters                   clusters, their members, and membership per service
  show                       per member: cluster, distance to the centroid, fingerprint, CPU per request
Targets (repeatable, at least two members in all):
  --lb URL                   every member of a local pool, from its balancer's /lb/members
  --pid ID=PID[@PORT]        one process (and its /metrics on 127.0.0.1:PORT)
Options:
  --seconds S                sampling time before fitting (default 30; features use the last min(S, 60) s)
  --windows LIST             window lengths in seconds (default 1,5,15,60)
  --k-max K                  largest k tried (default 8)
  --seed N                   k-means seed (default 1)
  --json                     one JSON object instead of text`;

export const command: CliCommand = {
  name: 'fingerprints',
  summary: 'Behavioural fingerprints of running processes: sample, reduce, cluster (clusters | show)',
  usage,
  async run(argv: string[]): Promise<number> {
    try {
      return await runFingerprints(argv);
    } catch (err) {
      if (err instanceof FlagError) throw new UserError(err.message);
      throw err;
    }
  },
};

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        lb: { type: 'string', multiple: true },
        pid: { type: 'string', multiple: true },
        seconds: { type: 'string' },
        windows: { type: 'string' },
        'k-max': { type: 'string' },
        seed: { type: 'string' },
        json: { type: 'boolean' },
        service: { type: 'string' },
        config: { type: 'string' },
        dir: { type: 'string' },
        period: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UserError(`${(err as Error).message}\n\n${usage}`);
  }
}

export function parsePidFlag(text: string): CollectedMember {
  const m = /^([A-Za-z0-9._-]+)=(\d+)(?:@(\d+))?$/.exec(text);
  if (!m) throw new UserError(`--pid: "${text}" is not ID=PID or ID=PID@PORT (e.g. web-0=4242@20001)`);
  return { id: m[1], pid: Number(m[2]), service: 'default', ...(m[3] ? { metricsUrl: `http://127.0.0.1:${m[3]}/metrics` } : {}) };
}

function parseWindows(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const ws = text.split(',').map((x) => Number(x.trim()));
  if (ws.length === 0 || ws.some((w) => !(w > 0))) throw new UserError(`--windows: "${text}" must list positive seconds, e.g. 1,5,15,60`);
  return ws;
}

async function runFingerprints(argv: string[]): Promise<number> {
  const { values: flags, positionals } = parse(argv);
  if (flags.help) {
    console.log(usage);
    return 0;
  }
  const view = positionals[0];
  if (view === 'collect') return collect(flags);
  if (flags.service !== undefined && (view === 'clusters' || view === 'show')) return fromStore(view, flags.service, flags.config, !!flags.json);
  if (view !== 'clusters' && view !== 'show') throw new UserError(`say what to print: kinetic fingerprints clusters or kinetic fingerprints show\n\n${usage}`);
  const seconds = numberFlag('seconds', flags.seconds, { above: 0, max: 3600 }, 30);
  const windowsS = parseWindows(flags.windows);
  const members: CollectedMember[] = [...(flags.pid ?? []).map(parsePidFlag)];
  for (const lb of flags.lb ?? []) members.push(...(await poolMembers(lb).catch((e: Error) => { throw new UserError(`--lb ${lb}: ${e.message}; is the pool running?`); })));
  if (members.length < 3) throw new UserError(`need at least 3 members to cluster, got ${members.length}; add --lb URL or more --pid ID=PID`);

  const collector = new TelemetryCollector({ intervalMs: 100, ringCapacity: Math.ceil(seconds * 10) + 100 });
  collector.setMembers(members);
  collector.start();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  collector.stop();
  const now = Date.now();
  const from = now - Math.min(seconds, 60) * 1000;
  const instances = members.map((m) => ({ id: m.id, service: m.service ?? 'default', features: periodFeatures(collector.samples(m.id), from, now, { windowsS }) }));
  const names = featureNames({ windowsS });
  const model = fitFleet(instances, names, { cluster: { seed: numberFlag('seed', flags.seed, { integer: true, min: 0 }, 1), kMax: numberFlag('k-max', flags['k-max'], { integer: true, min: 2 }, 8) } });
  const placed = assignFleet(model, instances);
  const cpuPerRequest = names.indexOf('cpuCores.perRequest');
  const out = {
    sampledSeconds: seconds,
    reducer: { version: model.reducer.version, components: model.reducer.components.length, explained: model.reducer.explained.reduce((a, b) => a + b, 0) },
    k: model.clusters.length,
    silhouette: model.silhouette,
    tried: model.tried,
    clusters: model.clusters.map((c) => ({ id: c.id, members: c.members })),
    perService: membershipByService(placed),
    ...(view === 'show'
      ? { members: placed.map((p, i) => ({ id: p.id, service: p.service, cluster: p.cluster, distance: p.distance, fingerprint: p.fingerprint, cpuPerRequest: instances[i].features[cpuPerRequest], samples: collector.samples(p.id).length })) }
      : {}),
  };
  if (flags.json) {
    console.log(JSON.stringify(out));
    return 0;
  }
  console.log(`${members.length} members, ${seconds} s at 10 Hz; PCA v${out.reducer.version}: ${out.reducer.components} components (${(out.reducer.explained * 100).toFixed(1)} % variance); k = ${out.k} (silhouette ${out.silhouette.toFixed(2)})`);
  for (const c of out.clusters) console.log(`  ${c.id}: ${c.members.join(', ')}`);
  if (out.members) for (const m of out.members) console.log(`  ${m.id.padEnd(16)} ${m.cluster.padEnd(4)} distance ${m.distance.toFixed(2)}  cpu/request ${(m.cpuPerRequest * 1000).toFixed(2)} ms  fingerprint [${m.fingerprint.map((v) => v.toFixed(2)).join(', ')}]`);
  return 0;
}

function fingerprintsOf(service: string, config: string | undefined) {
  const cfg = loadConfig(config);
  const svc = cfg.services[service];
  if (!svc) throw new UserError(`--service: no service "${service}" in ${cfg.file} (services: ${Object.keys(cfg.services).join(', ')})`);
  if (!svc.fingerprints) throw new UserError(`--service ${service}: it has no fingerprints: block in ${cfg.file}; add fingerprints: { capacity: { cpu, memoryMiB } }`);
  return { cfg, fp: svc.fingerprints, dir: svc.fingerprints.summariesDir ?? join(cfg.stateRoot, 'telemetry') };
}

/** The champion model, its lineage and the members' placements, from the stores (no sampling). */
function fromStore(view: 'clusters' | 'show', service: string, config: string | undefined, json: boolean): number {
  const { cfg, fp, dir } = fingerprintsOf(service, config);
  const models = new FingerprintModelStore(cfg.stateRoot);
  const champion = models.champion(service);
  const lineage = models.versions(service).map((v) => ({
    version: v.version,
    parent: v.parent,
    createdAt: new Date(v.createdAt).toISOString(),
    reason: v.reason,
    dataWindow: { from: new Date(v.dataWindow.from).toISOString(), to: new Date(v.dataWindow.to).toISOString() },
    heldBackCpuMae: v.heldBack?.cpuMae,
    promotion: v.promotion,
    champion: v.version === champion?.version,
  }));
  const placed = fingerprintForecast(champion, new FileSummaryStore(dir).recent(service, 60), { now: Date.now(), maxAgeMs: fp.maxAge * 1000, load: 0, source: join(dir, service) });
  const out = {
    service,
    champion: champion?.version ?? null,
    lineage,
    clusters: (champion?.fleet.clusters ?? []).map((c) => ({ id: c.id, fittedMembers: c.members, model: champion!.clusterModels[c.id] ? 'gru' : 'persistence' })),
    telemetry: placed.status === 'used' ? { status: 'fresh', newest: new Date(placed.newestAt).toISOString() } : { status: 'not used', reason: placed.reason },
    ...(view === 'show' && placed.status === 'used' ? { members: placed.members } : {}),
  };
  if (json) {
    console.log(JSON.stringify(out));
    return 0;
  }
  console.log(`${service}: champion fingerprint model ${champion ? `v${champion.version}` : 'none yet'}`);
  for (const v of lineage) {
    console.log(`  v${v.version}${v.champion ? ' (champion)' : ''} parent ${v.parent ?? '-'}; data ${v.dataWindow.from} → ${v.dataWindow.to}; ${v.reason}; ${v.promotion ? `${v.promotion.promoted ? 'promoted' : 'not promoted'}: ${v.promotion.reason}` : ''}`);
  }
  for (const c of out.clusters) console.log(`  cluster ${c.id} (${c.model}): fitted on ${c.fittedMembers.join(', ')}`);
  if (out.members) for (const m of out.members) console.log(`  ${m.id.padEnd(16)} ${m.cluster.padEnd(4)} cpu ${m.cpu.p50.toFixed(3)} cores, ${m.mem.p50.toFixed(1)} MiB (${m.source})`);
  console.log(`  telemetry: ${out.telemetry.status === 'fresh' ? `fresh (newest summary ${out.telemetry.newest})` : out.telemetry.reason}`);
  return 0;
}

/** Runs the collector on a pool until SIGINT/SIGTERM: the store decisions and the loop read. */
async function collect(flags: ReturnType<typeof parse>['values']): Promise<number> {
  if (!flags.service) throw new UserError('kinetic fingerprints collect: give --service NAME (the summaries are stored per service)');
  if (!flags.lb?.length && !flags.pid?.length) throw new UserError('kinetic fingerprints collect: give --lb URL (the local pool\'s balancer) or --pid ID=PID[@PORT]');
  const service = flags.service;
  const dir = flags.dir ?? fingerprintsOf(service, flags.config).dir;
  const period = numberFlag('period', flags.period, { above: 0, max: 3600 }, 60);
  const store = new FileSummaryStore(dir);
  const collector = new TelemetryCollector({ intervalMs: 100, summaryPeriodMs: period * 1000, featureWindowsS: parseWindows(flags.windows) ?? DEFAULT_WINDOWS_S, persist: (s) => store.append(s) });
  const pids = (flags.pid ?? []).map((p) => ({ ...parsePidFlag(p), service }));
  const refresh = async () => {
    const members: CollectedMember[] = [...pids];
    for (const lb of flags.lb ?? []) members.push(...(await poolMembers(lb, service).catch(() => [])).map((m) => ({ ...m, service })));
    collector.setMembers(members);
  };
  await refresh();
  collector.start();
  const timer = setInterval(() => void refresh(), 10_000);
  console.log(`collecting ${collector.memberIds().length} member(s) of ${service} at 10 Hz into ${join(dir, service)} (a summary every ${period} s); Ctrl-C stops`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(timer);
  collector.stop();
  return 0;
}

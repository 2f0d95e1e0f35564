import { parseArgs } from 'node:util';
import { UserError, type CliCommand } from '../command';
import { FlagError, numberFlag } from '../../sim/flags';
import { featureNames, periodFeatures } from '../../fingerprints/features';
import { assignFleet, fitFleet, membershipByService } from '../../fingerprints/fleet';
import { TelemetryCollector, type CollectedMember } from '../../telemetry/collector';
import { poolMembers } from '../../telemetry/pool-members';

const usage = `Usage: kinetic fingerprints clusters|show [targets] [options]

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

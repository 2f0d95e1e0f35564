/**
 * `npm run bench:scaling`: predictive vs reactive on the real traces of ../shared/data (issue 6
 * targets), written to bench/results/scaling.md (summarised in BENCHMARKS.md). Capacity is set so the scored peak needs 20
 * instances. Usage: tsx bench/scaling.ts [--data-dir DIR] [--out FILE] [--only NAME] [--forecaster NAME]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveModels } from '../sim/engine';
import { defaultWarmup, need } from '../sim/fleet';
import { instanceStepsAt, paretoFront, sweepFrontier, type Frontier } from '../sim/frontier';
import { readSeries } from '../sim/input';
import { oraclePolicy } from '../sim/policies/oracle';
import { predictivePolicy, type PredictiveOptions } from '../sim/policies/predictive';
import { reactivePolicy } from '../sim/policies/reactive';
import { staticPeakPolicy } from '../sim/policies/static-peak';
import { simulate, type SimulationInput, type SimulationResult } from '../sim/simulate';

interface Trace {
  name: string;
  file: string;
  valueCol?: string;
  agg?: number;
  aggFn?: 'sum' | 'mean';
  stepSeconds: number;
  bootSteps: number;
}

const TRACES: Trace[] = [
  { name: 'nasa-http-1995 (1 min)', file: 'nasa_http_1995/workload.tbz2', agg: 60, aggFn: 'sum', stepSeconds: 60, bootSteps: 3 },
  { name: 'nyc-taxi (30 min)', file: 'nab/realKnownCause/nyc_taxi.csv', stepSeconds: 1800, bootSteps: 1 },
  { name: 'alibaba-2018 cpu (300 s)', file: 'alibaba2018/machine_usage_days_1_to_8_grouped_300_seconds.csv', valueCol: 'cpu_util_percent', stepSeconds: 300, bootSteps: 1 },
  { name: 'alibaba-2018 cpu (30 s)', file: 'alibaba2018/machine_usage_days_1_to_8_grouped_30_seconds.csv', valueCol: 'cpu_util_percent', stepSeconds: 30, bootSteps: 1 },
  { name: 'nab elb requests (5 min)', file: 'nab/realAWSCloudwatch/elb_request_count_8c0756.csv', stepSeconds: 300, bootSteps: 1 },
  { name: 'nab asg cpu (5 min)', file: 'nab/realKnownCause/cpu_utilization_asg_misconfiguration.csv', stepSeconds: 300, bootSteps: 1 },
];

interface Row {
  trace: Trace;
  steps: number;
  capacity: number;
  result: SimulationResult;
  frontier: Frontier;
  seconds: { load: number; predictive: number; frontier: number };
}

async function main(): Promise<void> {
  const { values: flags } = parseArgs({
    options: {
      'data-dir': { type: 'string', default: join(__dirname, '..', '..', 'shared', 'data') },
      out: { type: 'string', default: join(__dirname, 'results', 'scaling.md') },
      only: { type: 'string' },
      forecaster: { type: 'string' },
      'no-write': { type: 'boolean' },
    },
  });
  const predictive: PredictiveOptions = { models: flags.forecaster ? resolveModels(flags.forecaster) : undefined };
  const rows: Row[] = [];
  for (const trace of TRACES.filter((t) => !flags.only || t.name.includes(flags.only))) {
    const t0 = Date.now();
    const series = await readSeries(join(flags['data-dir'] as string, trace.file), { valueCol: trace.valueCol, agg: trace.agg, aggFn: trace.aggFn });
    const demand = series.values;
    const load = (Date.now() - t0) / 1000;
    const W = defaultWarmup(demand.length);
    let peak = 0;
    for (let t = W; t < demand.length; t++) peak = Math.max(peak, demand[t]);
    const capacity = peak / 20;
    const input: SimulationInput = { demand, capacity, bootSteps: trace.bootSteps, stepSeconds: trace.stepSeconds };
    const result = await simulate(input, [
      reactivePolicy(),
      predictivePolicy(predictive),
      oraclePolicy(),
      staticPeakPolicy(),
    ]);
    const t1 = Date.now();
    const frontier = await sweepFrontier(input, predictive, 5);
    const row: Row = {
      trace,
      steps: demand.length,
      capacity,
      result,
      frontier,
      seconds: { load, predictive: result.outcomes.predictive.elapsedMs / 1000, frontier: (Date.now() - t1) / 1000 },
    };
    rows.push(row);
    console.error(summaryLine(row));
    if (need(peak, capacity) !== 20) console.error(`  note: scored peak needs ${need(peak, capacity)} instances`);
  }
  const timing = await timing30k(join(flags['data-dir'] as string, TRACES[0].file), predictive);
  const md = renderMarkdown(rows, timing, flags.forecaster ?? 'default candidates: seasonalNaive (models/baseline), ewma and prophet (models/registry)');
  if (!flags['no-write']) writeFileSync(flags.out as string, md);
  console.log(md);
}

function verdict(row: Row): { fewer: boolean; halfUnder: boolean; frontier: boolean } {
  const r = row.result.outcomes.reactive.score;
  const p = row.result.outcomes.predictive.score;
  const scored = row.steps - row.result.params.warmup;
  const halfUnder = r.underProvisionedSteps === 0 ? p.underProvisionedSteps <= 0.01 * scored : p.underProvisionedSteps <= r.underProvisionedSteps / 2;
  const median = row.frontier.comparison.medianSavingPct;
  return { fewer: p.instanceSteps < r.instanceSteps, halfUnder, frontier: median !== undefined && median >= 15 };
}

/** Predictive's saving (%) on its frontier at the violation % reactive has at its default U = 0.75. */
function savingAtReactiveDefault(row: Row): number | undefined {
  const r = row.result.outcomes.reactive.score;
  const p = instanceStepsAt(paretoFront(row.frontier.predictive), r.slaViolationPct);
  return p === undefined ? undefined : 100 * (1 - p / r.instanceSteps);
}

function summaryLine(row: Row): string {
  const o = row.result.outcomes;
  const v = verdict(row);
  return `${row.trace.name}: reactive ${o.reactive.score.instanceSteps} / ${o.reactive.score.underProvisionedSteps} under; predictive ${o.predictive.score.instanceSteps} / ${o.predictive.score.underProvisionedSteps} under; frontier median saving ${row.frontier.comparison.medianSavingPct?.toFixed(1)}% [${v.fewer ? 'ok' : 'MISS'} ${v.halfUnder ? 'ok' : 'MISS'} ${v.frontier ? 'ok' : 'MISS'}] ${row.seconds.predictive.toFixed(1)} s`;
}

/** The issue's speed target: a 30,000-step trace with refits (NASA minutes, 30,000 scored after a 2-day warm-up). */
async function timing30k(file: string, predictive: PredictiveOptions): Promise<{ steps: number; scored: number; seconds: number; note?: string }> {
  // Two days of warm-up so the daily season is in play, then 30,000 scored steps.
  const demand = (await readSeries(file, { agg: 60, aggFn: 'sum' })).values.slice(0, 32_880);
  const input: SimulationInput = { demand, capacity: 10, bootSteps: 3, warmup: 2880, stepSeconds: 60 };
  const t0 = Date.now();
  const res = await simulate(input, [predictivePolicy(predictive)]);
  return { steps: demand.length, scored: demand.length - 2880, seconds: (Date.now() - t0) / 1000, note: res.outcomes.predictive.note };
}

function renderMarkdown(rows: Row[], timing: Awaited<ReturnType<typeof timing30k>>, forecasterName: string): string {
  const lines: string[] = [];
  lines.push('# Scaling benchmark: predictive vs reactive on real traces (issue 6)', '');
  lines.push(`Generated by \`npm run bench:scaling\` (\`tsx bench/scaling.ts\`) on ${new Date().toISOString()}, Node ${process.version}, predictive engine \`${forecasterName}\`.`);
  lines.push('Capacity per instance = scored peak / 20 (the scored peak needs 20 instances); warm-up = half the trace; reactive = HPA rule, U = 0.75, tolerance 0.1, S = 5; predictive = default options (buffer quantile 0.95, conformal upper quantile per lead time, level re-anchoring, refit every 1/24 day or 12 steps, engine picked per step by lowest recent error).', '');
  lines.push('| trace | steps (scored) | B | C | policy | instance-steps | ratio to LB | under-prov. steps | violation % | unserved % | waste % | scale events |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) {
    const scored = row.steps - row.result.params.warmup;
    for (const [name, o] of Object.entries(row.result.outcomes)) {
      const s = o.score;
      lines.push(`| ${row.trace.name} | ${row.steps} (${scored}) | ${row.trace.bootSteps} | ${round(row.capacity)} | ${name} | ${s.instanceSteps} | ${s.ratioToLowerBound.toFixed(3)} | ${s.underProvisionedSteps} | ${s.slaViolationPct.toFixed(2)} | ${s.unservedPct.toFixed(3)} | ${s.wastePct.toFixed(1)} | ${s.scaleEvents} |`);
    }
  }
  lines.push('', '## Targets', '');
  lines.push('| trace | predictive instance-steps < reactive | predictive under-prov. ≤ ½ reactive (≤ 1% if reactive 0) | frontier: median saving at equal violation % (min) ≥ 15% | frontier saving at reactive-default violation % | predictive sim time | predictive engines used |');
  lines.push('|---|---|---|---|---|---|---|');
  for (const row of rows) {
    const v = verdict(row);
    const r = row.result.outcomes.reactive.score;
    const p = row.result.outcomes.predictive.score;
    const c = row.frontier.comparison;
    const saving = c.medianSavingPct === undefined ? 'no overlap' : `${c.medianSavingPct.toFixed(1)}% (${c.minSavingPct?.toFixed(1)}%)`;
    const atDefault = savingAtReactiveDefault(row);
    const engines = /engines: ([^;]*);/.exec(row.result.outcomes.predictive.note ?? '')?.[1] ?? '';
    lines.push(`| ${row.trace.name} | ${mark(v.fewer)} ${p.instanceSteps} vs ${r.instanceSteps} (${(100 * (1 - p.instanceSteps / r.instanceSteps)).toFixed(1)}% fewer) | ${mark(v.halfUnder)} ${p.underProvisionedSteps} vs ${r.underProvisionedSteps} | ${mark(v.frontier)} ${saving} | ${atDefault === undefined ? 'n/a' : `${atDefault.toFixed(1)}%`} | ${row.seconds.predictive.toFixed(1)} s | ${engines} |`);
  }
  const verdicts = rows.map(verdict);
  const count = (f: (v: ReturnType<typeof verdict>) => boolean) => verdicts.filter(f).length;
  lines.push('', `**Verdict:** fewer instance-steps on ${count((v) => v.fewer)}/${rows.length} traces; at most half the under-provisioned steps on ${count((v) => v.halfUnder)}/${rows.length}; both together on ${count((v) => v.fewer && v.halfUnder)}/${rows.length}; frontier saving ≥ 15% on ${count((v) => v.frontier)}/${rows.length}.`);
  lines.push('Where a target is missed, the trace is dominated by step-to-step noise the forecast cannot explain (Alibaba: whole-cluster CPU whose 1-step changes are essentially white noise on a random-walk level, and reactive at U = 0.75 with its 5-step stabilisation already keeps ~33% headroom plus the recent max, so it has almost no violations; NASA: Poisson-like per-minute counts at 1–10 instances). There, predictive sized for a higher quantile halves the violations only by spending about what reactive spends (see the frontiers below); the misses are reported as measured, not tuned away per trace.');
  lines.push('', `Speed: ${timing.steps}-step NASA 1-min trace (${timing.scored} scored steps) with refits, predictive policy: **${timing.seconds.toFixed(1)} s** (target < 120 s). ${timing.note ?? ''}`, '');
  lines.push('## Frontiers (instance-steps at each knob setting)', '');
  for (const row of rows) {
    lines.push(`**${row.trace.name}** — reactive over U: ${row.frontier.reactive.map((p) => `U=${p.knob}: ${p.instanceSteps} @ ${p.slaViolationPct.toFixed(2)}%`).join('; ')}`, '');
    lines.push(`predictive over q: ${row.frontier.predictive.map((p) => `q=${p.knob}: ${p.instanceSteps} @ ${p.slaViolationPct.toFixed(2)}%`).join('; ')}`, '');
  }
  lines.push('## How to read this', '');
  lines.push('- Simulator semantics exactly as issue 6 (`sim/fleet.ts`): r_t before the warm-up W is max(1, ceil(d_t/C)); ready_t = min(r_t … r_{t−B}); scored steps W … n−1.');
  lines.push('- Reactive = HPA: desired = ceil(d_{t−1}/(C·U)), held when |d_{t−1}/(r_{t−1}·C·U) − 1| ≤ 0.1, r_t = max of the last S = 5 desired counts (the decision history starts at W; warm-up counts are not decisions), never below 1.');
  lines.push('- Predictive reads only d_0 … d_{t−1}: each candidate engine is refit every N steps on the last weeks of history and shifted in between, re-anchored by an EWMA of its own errors, with an upper quantile calibrated on its own realised errors per lead time (conformal); each step uses the candidate with the lowest recent absolute error; r_t = max(need(d_{t−1}), ceil(max_{k=0..B} upper_{t+k} / C)). One global setting for every trace (no per-trace tuning).');
  lines.push('- Frontier: reactive swept over U ∈ {0.45 … 0.95}, predictive over the buffer quantile q ∈ {0.5 … 0.999}; "saving at equal violation %" = 1 − (predictive instance-steps, linear on its Pareto front, at each reactive Pareto point\'s violation %) / (reactive instance-steps), median (min) over reactive points inside predictive\'s range.');
  lines.push('- NASA: per-second counts summed to 1-minute steps (`--agg 60 --agg-fn sum`), the Hurricane Erin outage zeros left in (both policies see them). Alibaba: `cpu_util_percent`. Oracle can only miss in the first B scored steps (its boot window still holds warm-up counts).', '');
  lines.push('## Reproduce', '');
  lines.push('```sh', 'npm run bench:scaling            # or: npx tsx bench/scaling.ts [--only nasa] [--forecaster auto]');
  lines.push('# one trace through the CLI (capacity from the table above):');
  const nasa = rows.find((r) => r.trace.name.startsWith('nasa'));
  lines.push(`kinetic simulate --data ../shared/data/nasa_http_1995/workload.tbz2 --agg 60 --agg-fn sum --step-seconds 60 --capacity-per-instance ${nasa ? round(nasa.capacity) : 'C'} --boot-steps 3 --policies reactive,predictive,oracle,static-peak --json --report nasa.html`);
  lines.push('```', '');
  return lines.join('\n');
}

const mark = (ok: boolean) => (ok ? '✅' : '❌');
const round = (x: number) => Math.round(x * 1000) / 1000;

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

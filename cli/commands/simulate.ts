import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { UserError, type CliCommand } from '../command';
import { resolveModels, EngineMissingError } from '../../sim/engine';
import { FlagError, numberFlag, optionalNumberFlag } from '../../sim/flags';
import { sweepFrontier } from '../../sim/frontier';
import { DataInputError } from '../../models/data';
import { readSeries, SeriesInputError, type LoadedSeries } from '../../sim/input';
import { PlanLengthError, planPolicy } from '../../sim/policies/plan';
import { oraclePolicy } from '../../sim/policies/oracle';
import { predictivePolicy, type PredictiveOptions } from '../../sim/policies/predictive';
import { reactivePolicy } from '../../sim/policies/reactive';
import { staticPeakPolicy } from '../../sim/policies/static-peak';
import { readPlanFile } from '../../sim/plan-file';
import type { ScalingPolicy } from '../../sim/policy';
import { parseEvent } from '../../sim/profiles/events';
import { renderReport } from '../../sim/report/html';
import { readRequestLog } from '../../sim/request-log';
import { simulate, toJson, type SimulationInput } from '../../sim/simulate';
import { parseDuration } from '../../sim/timestamps';

const KNOWN_POLICIES = ['reactive', 'predictive', 'oracle', 'static-peak'];

const usage = `Usage: kinetic simulate --data FILE --capacity-per-instance C --boot-steps B [options]

Replays a demand trace through the fleet simulator and scores each scaling policy.

  --data FILE                  series file (CSV with header, whitespace numbers, .tbz2) or, with
                               --bucket, a request log (one row per request)
  --value-col NAME             CSV value column (default: "value" or the only non-time column)
  --time-col NAME              CSV timestamp column (default: timestamp/time/date)
  --agg K --agg-fn sum|mean    aggregate K consecutive points (default fn: mean)
  --bucket 1m                  count request-log rows per bucket (30s, 1m, 5m, 1h, …)
  --capacity-per-instance C    demand one instance serves per step (> 0)
  --boot-steps B               steps before a requested instance is ready (integer >= 0)
  --target-utilization U       reactive HPA target (default 0.75)
  --stabilization-steps S      reactive scale-down window (default 5)
  --warmup W                   first scored step (default: half the series)
  --policies LIST              comma list of ${KNOWN_POLICIES.join(', ')} (default reactive,predictive,oracle)
  --plan FILE                  also score this schedule (one count per step); repeatable
  --price P                    price per instance-step: adds cost
  --step-seconds N             step length when the file has no timestamps (enables daily/weekly seasons)
  --forecaster LIST            the predictive planner's models, comma list of models/registry names
                               (baseline = seasonalNaive, auto = the product's default:
                               naive,seasonalNaive,ewma,ets,prophet); combined by weights learned
                               with Hedge from the realised demand, as in production
  --quantile Q                 predictive buffer quantile of the window peak (default 0.95)
  --buffer X                   predictive multiplicative headroom (default 1)
  --refit-every N              steps between model refits, the retrain schedule (default: one day)
  --event S:D:M[:UP[:DOWN]]    a scheduled event known in advance (campaign): start step, duration,
                               multiplier, ramps; the predictive policy plans for it. Repeatable
  --json                       print { lowerBoundInstanceSteps, policies: { NAME: {...} } }
  --report out.html            write a self-contained HTML report (charts + cost-vs-SLA frontier)`;

export const command: CliCommand = {
  name: 'simulate',
  summary: 'Replay a trace through the fleet simulator and score reactive, predictive and oracle scaling',
  usage,
  async run(argv: string[]): Promise<number> {
    try {
      return await runSimulate(argv);
    } catch (err) {
      if (err instanceof FlagError || err instanceof SeriesInputError || err instanceof DataInputError || err instanceof PlanLengthError || err instanceof EngineMissingError) {
        throw new UserError(err.message);
      }
      throw err;
    }
  },
};

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        data: { type: 'string' },
        'value-col': { type: 'string' },
        'time-col': { type: 'string' },
        agg: { type: 'string' },
        'agg-fn': { type: 'string' },
        bucket: { type: 'string' },
        'capacity-per-instance': { type: 'string' },
        'boot-steps': { type: 'string' },
        'target-utilization': { type: 'string' },
        'stabilization-steps': { type: 'string' },
        warmup: { type: 'string' },
        policies: { type: 'string' },
        plan: { type: 'string', multiple: true },
        price: { type: 'string' },
        'step-seconds': { type: 'string' },
        forecaster: { type: 'string' },
        quantile: { type: 'string' },
        buffer: { type: 'string' },
        'refit-every': { type: 'string' },
        event: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        report: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    throw new UserError(`${(err as Error).message}\n\n${usage}`);
  }
}

async function runSimulate(argv: string[]): Promise<number> {
  const flags = parse(argv);
  if (flags.help) {
    console.log(usage);
    return 0;
  }
  if (!flags.data) throw new UserError('--data: required; give a series file or a request log (with --bucket)');
  const series = await loadDemand(flags);
  const demand = series.values;
  if (demand.length < 2) throw new UserError(`--data: ${flags.data} has ${demand.length} step(s); the simulator needs at least 2`);
  if (demand.some((v) => !Number.isFinite(v))) {
    throw new UserError(`--data: ${flags.data} has missing values after aggregation; fill the gaps or choose a different --agg`);
  }
  const capacity = numberFlag('capacity-per-instance', flags['capacity-per-instance'], { above: 0 });
  const bootSteps = numberFlag('boot-steps', flags['boot-steps'], { integer: true, min: 0 });
  const U = numberFlag('target-utilization', flags['target-utilization'], { above: 0, max: 1 }, 0.75);
  const S = numberFlag('stabilization-steps', flags['stabilization-steps'], { integer: true, min: 1 }, 5);
  const warmup = optionalNumberFlag('warmup', flags.warmup, { integer: true, min: 1, max: demand.length - 1 });
  const price = optionalNumberFlag('price', flags.price, { min: 0 });
  const stepSeconds = optionalNumberFlag('step-seconds', flags['step-seconds'], { above: 0 }) ?? series.stepSeconds;

  const predictive: PredictiveOptions = {
    models: flags.forecaster ? resolveModels(flags.forecaster) : undefined,
    quantile: optionalNumberFlag('quantile', flags.quantile, { above: 0, max: 0.9999 }),
    buffer: optionalNumberFlag('buffer', flags.buffer, { above: 0 }),
    retrainEvery: optionalNumberFlag('refit-every', flags['refit-every'], { integer: true, min: 1 }),
    events: (flags.event ?? []).map((text) => {
      const e = parseEvent(text);
      if (!e) throw new UserError(`--event: "${text}" is not START:DURATION:MULTIPLIER[:RAMPUP[:RAMPDOWN]] in steps (e.g. 1440:120:3:30:30)`);
      return e;
    }),
  };
  const policies = choosePolicies(flags.policies, flags.plan ?? [], U, S, predictive);
  const input: SimulationInput = { demand, capacity, bootSteps, warmup, stepSeconds, price };
  const result = await simulate(input, policies);
  const json = toJson(result, demand.length);

  if (flags.report) {
    const frontier = await sweepFrontier(input, predictive, S);
    writeFileSync(flags.report, renderReport({ title: basename(flags.data), demand, result, frontier, stepSeconds }));
  }
  if (flags.json) console.log(JSON.stringify(json, null, 2));
  else printTable(json, flags.report);
  return 0;
}

async function loadDemand(flags: ReturnType<typeof parse>): Promise<LoadedSeries> {
  const aggFn = flags['agg-fn'];
  if (aggFn !== undefined && aggFn !== 'sum' && aggFn !== 'mean') throw new UserError(`--agg-fn: "${aggFn}" is not valid; use sum or mean`);
  const agg = optionalNumberFlag('agg', flags.agg, { integer: true, min: 1 });
  if (flags.bucket !== undefined) {
    const seconds = parseDuration(flags.bucket);
    if (!Number.isFinite(seconds) || seconds <= 0) throw new UserError(`--bucket: "${flags.bucket}" is not a duration; use e.g. 30s, 1m, 5m or 1h`);
    return readRequestLog(flags.data as string, seconds, flags['time-col']);
  }
  const rawStep = optionalNumberFlag('step-seconds', flags['step-seconds'], { above: 0 });
  // --step-seconds is the step after aggregation; the reader wants the raw one.
  return readSeries(flags.data as string, { valueCol: flags['value-col'], timeCol: flags['time-col'], agg, aggFn, stepSeconds: rawStep && agg ? rawStep / agg : rawStep });
}

function choosePolicies(list: string | undefined, plans: string[], U: number, S: number, predictive: PredictiveOptions): ScalingPolicy[] {
  const names = (list ?? 'reactive,predictive,oracle').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const out: ScalingPolicy[] = [];
  for (const name of names) {
    if (name === 'reactive') out.push(reactivePolicy({ targetUtilization: U, stabilizationSteps: S }));
    else if (name === 'predictive') out.push(predictivePolicy(predictive));
    else if (name === 'oracle') out.push(oraclePolicy());
    else if (name === 'static-peak') out.push(staticPeakPolicy());
    else if (name === 'plan') {
      if (plans.length === 0) throw new UserError('--policies: "plan" needs --plan FILE with one requested count per step');
    } else throw new UserError(`--policies: unknown policy "${name}"; choose from ${KNOWN_POLICIES.join(', ')} (plans via --plan FILE)`);
  }
  plans.forEach((file, i) => {
    const name = plans.length === 1 ? 'plan' : `plan:${basename(file)}${plans.indexOf(file) !== i ? `#${i + 1}` : ''}`;
    out.push(planPolicy(name, readPlanFile(file)));
  });
  if (out.length === 0) throw new UserError('--policies: empty; name at least one policy');
  return out;
}

function printTable(json: ReturnType<typeof toJson>, report: string | undefined): void {
  const rows = Object.entries(json.policies).map(([name, s]) => [
    name,
    String(s.instanceSteps),
    s.ratioToLowerBound.toFixed(3),
    String(s.underProvisionedSteps),
    s.slaViolationPct.toFixed(2),
    s.unservedPct.toFixed(2),
    s.wastePct.toFixed(1),
    String(s.scaleEvents),
    s.cost === undefined ? '' : s.cost.toFixed(2),
  ]);
  const header = ['policy', 'instance-steps', 'ratio', 'under', 'viol %', 'unserved %', 'waste %', 'events', 'cost'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  console.log(`${json.scoredSteps} scored steps (warm-up ${json.warmup}), lower bound ${json.lowerBoundInstanceSteps} instance-steps`);
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  if (report) console.log(`report: ${report}`);
}

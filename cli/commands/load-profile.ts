import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UserError, type CliCommand } from '../command';
import { DataInputError } from '../../models/data';
import { FlagError, numberFlag, optionalNumberFlag } from '../../sim/flags';
import { readSeries, SeriesInputError } from '../../sim/input';
import { driveLoad, LoadDriverError } from '../../sim/load-driver';
import { generateProfile, parseEvent, type LoadEvent, type ProfileSpec } from '../../sim/profiles';

const usage = `Usage: kinetic load-profile --steps N --out FILE [options]

Writes a synthetic demand series (and can replay it as real HTTP load against a local URL).

Base (one of):
  --from FILE                  block-bootstrap days/weeks of this history (any series file simulate reads)
    --value-col NAME --agg K --agg-fn sum|mean   how to read it
    --block day|week|N         block length (default day)
  --base B                     user model: mean demand per step (default 100)
    --diurnal A                daily amplitude, 0–1 (default 0.5)
    --peak-hour H              hour of the daily peak (default 14)
    --weekend F                weekend demand relative to weekdays (default 1)
Shape:
  --steps N                    length of the profile (required)
  --step-seconds S             seconds per step (default 60)
  --growth G                   compound growth per day (0.01 = +1%/day)
  --event S:D:M[:UP[:DOWN]]    campaign: start step, duration, multiplier, ramp-up and ramp-down steps; repeatable
  --noise X                    relative gaussian noise (0.1 = 10%)
  --poisson                    draw Poisson counts around the rate (request-count noise)
  --seed N                     random seed (default 1)
Output:
  --out FILE                   .csv → timestamp,value (from Monday 2024-01-01 UTC); otherwise one number per line
  --json                       print a summary as JSON
HTTP replay (loopback only):
  --drive URL                  replay the profile as GET requests (localhost / 127.0.0.0/8 / ::1 only)
  --compress X                 time compression (default 60: one minute per second)
  --max-rps R                  rate cap (default 200)
  --max-seconds S              wall-time cap (default 30)`;

export const command: CliCommand = {
  name: 'load-profile',
  summary: 'Generate a synthetic load profile (bootstrap, user model, events, noise) and optionally replay it over HTTP',
  usage,
  async run(argv: string[]): Promise<number> {
    try {
      return await runLoadProfile(argv);
    } catch (err) {
      if (err instanceof FlagError || err instanceof SeriesInputError || err instanceof DataInputError || err instanceof LoadDriverError) {
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
        from: { type: 'string' },
        'value-col': { type: 'string' },
        agg: { type: 'string' },
        'agg-fn': { type: 'string' },
        block: { type: 'string' },
        base: { type: 'string' },
        diurnal: { type: 'string' },
        'peak-hour': { type: 'string' },
        weekend: { type: 'string' },
        steps: { type: 'string' },
        'step-seconds': { type: 'string' },
        growth: { type: 'string' },
        event: { type: 'string', multiple: true },
        noise: { type: 'string' },
        poisson: { type: 'boolean' },
        seed: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean' },
        drive: { type: 'string' },
        compress: { type: 'string' },
        'max-rps': { type: 'string' },
        'max-seconds': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    throw new UserError(`${(err as Error).message}\n\n${usage}`);
  }
}

async function runLoadProfile(argv: string[]): Promise<number> {
  const flags = parse(argv);
  if (flags.help) {
    console.log(usage);
    return 0;
  }
  if (!flags.out) throw new UserError('--out: required; give the file to write (.csv for timestamp,value, else one number per line)');
  const steps = numberFlag('steps', flags.steps, { integer: true, min: 1, max: 10_000_000 });
  const stepSeconds = numberFlag('step-seconds', flags['step-seconds'], { above: 0 }, 60);
  const spec: ProfileSpec = {
    steps,
    stepSeconds,
    seed: numberFlag('seed', flags.seed, { integer: true, min: 0 }, 1),
    growthPerDay: optionalNumberFlag('growth', flags.growth, { above: -1 }),
    events: (flags.event ?? []).map(parseEventFlag),
  };
  const noise = optionalNumberFlag('noise', flags.noise, { min: 0 });
  if (noise !== undefined || flags.poisson) spec.noise = { kind: flags.poisson ? 'poisson' : 'gaussian', level: noise ?? 0 };
  if (flags.from) {
    const aggFn = flags['agg-fn'];
    if (aggFn !== undefined && aggFn !== 'sum' && aggFn !== 'mean') throw new UserError(`--agg-fn: "${aggFn}" is not valid; use sum or mean`);
    const history = await readSeries(flags.from, { valueCol: flags['value-col'], agg: optionalNumberFlag('agg', flags.agg, { integer: true, min: 1 }), aggFn });
    spec.history = history.values;
    spec.blockSteps = blockSteps(flags.block ?? 'day', stepSeconds);
    if (spec.blockSteps > history.values.length) {
      throw new UserError(`--block: a block of ${spec.blockSteps} steps is longer than the history (${history.values.length} steps); use a shorter block or a longer --from file`);
    }
  } else {
    spec.userModel = {
      base: numberFlag('base', flags.base, { min: 0 }, 100),
      diurnalAmplitude: numberFlag('diurnal', flags.diurnal, { min: 0, max: 1 }, 0.5),
      peakHour: numberFlag('peak-hour', flags['peak-hour'], { min: 0, max: 24 }, 14),
      weekendFactor: numberFlag('weekend', flags.weekend, { min: 0 }, 1),
      growthPerDay: spec.growthPerDay,
    };
  }
  const series = generateProfile(spec);
  writeFileSync(flags.out, formatSeries(series, stepSeconds, flags.out));

  const summary: Record<string, unknown> = { out: flags.out, steps: series.length, stepSeconds, mean: mean(series), max: Math.max(...series) };
  if (flags.drive) {
    summary.drive = await driveLoad({
      url: flags.drive,
      series,
      stepSeconds,
      compression: numberFlag('compress', flags.compress, { above: 0 }, 60),
      maxRps: numberFlag('max-rps', flags['max-rps'], { above: 0, max: 10_000 }, 200),
      maxDurationSeconds: numberFlag('max-seconds', flags['max-seconds'], { above: 0, max: 3600 }, 30),
    });
  }
  if (flags.json) console.log(JSON.stringify(summary, null, 2));
  else {
    console.log(`wrote ${series.length} steps to ${flags.out} (mean ${mean(series).toFixed(2)}, max ${Math.max(...series).toFixed(2)})`);
    if (summary.drive) console.log(JSON.stringify(summary.drive, null, 2));
  }
  return 0;
}

function parseEventFlag(text: string): LoadEvent {
  const e = parseEvent(text);
  if (!e) throw new UserError(`--event: "${text}" is not START:DURATION:MULTIPLIER[:RAMPUP[:RAMPDOWN]] in steps (e.g. 1440:120:3:30:30)`);
  return e;
}

function blockSteps(block: string, stepSeconds: number): number {
  const seconds = block === 'day' ? 86_400 : block === 'week' ? 604_800 : undefined;
  if (seconds !== undefined) {
    const steps = seconds / stepSeconds;
    if (!Number.isInteger(steps)) throw new UserError(`--block: a ${block} is not a whole number of ${stepSeconds}-second steps; give --block N in steps`);
    return steps;
  }
  return numberFlag('block', block, { integer: true, min: 1 });
}

/** CSV with timestamps from Monday 2024-01-01 UTC, so `simulate` infers the step and seasons. */
export function formatSeries(series: readonly number[], stepSeconds: number, file: string): string {
  const round = (v: number) => String(Math.round(v * 1000) / 1000);
  if (!file.toLowerCase().endsWith('.csv')) return series.map(round).join('\n') + '\n';
  const start = Date.UTC(2024, 0, 1);
  const lines = series.map((v, t) => `${new Date(start + t * stepSeconds * 1000).toISOString().replace('T', ' ').slice(0, 19)},${round(v)}`);
  return `timestamp,value\n${lines.join('\n')}\n`;
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

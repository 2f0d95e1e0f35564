import { ParseArgsConfig, parseArgs } from 'node:util';
import { CliCommand, UserError } from '../command';
import { closeComputePool, computePool } from '../../compute';
import { BacktestScores, backtestSuite } from '../../models/backtest';
import { defaultSeasons, detectSeason } from '../../models/characterise';
import { ForecastInputError } from '../../models/contract';
import { EnsembleMode } from '../../models/ensemble';
import { LoadOptions, PreparedSeries, loadSeries } from '../../models/data';
import { MODEL_NAMES, availableModels } from '../../models/registry';

const usage = `kinetic backtest --data FILE --horizon H [options]

Rolling-origin backtest of every model and the ensemble on one series: F folds with origins
o_f = T - H*(F - f); each fold fits on y[0, o_f) and forecasts the next H points. Folds run in
parallel on worker threads (one per core; KINETIC_COMPUTE_THREADS overrides).

  --data FILE         CSV with a header, whitespace-separated numbers, or a .tbz2 of either
  --value-col NAME    value column of a CSV (default: 'value', else the first numeric column)
  --time-col NAME     timestamp column (default: 'timestamp' when present)
  --step SECONDS      raw step when the file has no timestamps (enables daily/weekly seasons)
  --agg K             aggregate every K points first          --agg-fn sum|mean (default mean)
  --horizon H         steps ahead (after aggregation)         --season M   MASE lag (default: daily)
  --folds F           number of folds (default 5)
  --models LIST       comma list of ${MODEL_NAMES.join(', ')}
                      (default: chosen by characterisation; naive and seasonalNaive always reported)
  --mode weighted|consensus   ensemble mode (default weighted)
  --json              print { series, points, horizon, season, models: {NAME: scores}, ensemble }`;

/** Flags shared with `kinetic forecast`: where the series comes from and how it is prepared. */
export const DATA_FLAGS = {
  data: { type: 'string' },
  'value-col': { type: 'string' },
  'time-col': { type: 'string' },
  step: { type: 'string' },
  agg: { type: 'string' },
  'agg-fn': { type: 'string' },
  horizon: { type: 'string' },
  season: { type: 'string' },
  models: { type: 'string' },
  mode: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

export function parseFlags(argv: string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (err) {
    throw new UserError(`${(err as Error).message}; see --help`);
  }
}

export function intFlag(values: Record<string, unknown>, name: string, min: number): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new UserError(`--${name} ${String(raw)}: expected an integer >= ${min}`);
  return v;
}

export function modelsFlag(values: Record<string, unknown>): string[] | undefined {
  if (values.models === undefined) return undefined;
  const list = String(values.models).split(',').map((s) => s.trim()).filter(Boolean);
  const available = availableModels() as string[];
  for (const m of list) {
    if (!available.includes(m)) throw new UserError(`--models: '${m}' is not available; choose from ${available.join(', ')}`);
  }
  return list;
}

export function modeFlag(values: Record<string, unknown>): EnsembleMode | undefined {
  const m = values.mode;
  if (m === undefined) return undefined;
  if (m !== 'weighted' && m !== 'consensus') throw new UserError(`--mode ${String(m)}: expected weighted or consensus`);
  return m;
}

/** Read and prepare --data with the shared flags; input problems become UserErrors. */
export async function loadFromFlags(values: Record<string, unknown>): Promise<PreparedSeries> {
  if (typeof values.data !== 'string') throw new UserError('--data FILE is required (CSV, whitespace-separated numbers or .tbz2)');
  const aggFn = values['agg-fn'] ?? 'mean';
  if (aggFn !== 'sum' && aggFn !== 'mean') throw new UserError(`--agg-fn ${String(aggFn)}: expected sum or mean`);
  const opts: LoadOptions = {
    valueCol: values['value-col'] as string | undefined,
    timeCol: values['time-col'] as string | undefined,
    agg: intFlag(values, 'agg', 1),
    aggFn,
    stepSeconds: values.step !== undefined ? Number(values.step) : undefined,
  };
  if (opts.stepSeconds !== undefined && !(opts.stepSeconds > 0)) throw new UserError(`--step ${String(values.step)}: expected seconds > 0`);
  try {
    const series = await loadSeries(values.data, opts);
    if (opts.stepSeconds !== undefined && series.stepSeconds === undefined) series.stepSeconds = opts.stepSeconds * (opts.agg ?? 1);
    return series;
  } catch (err) {
    if (err instanceof ForecastInputError) throw new UserError(err.message);
    throw err;
  }
}

/** Seasons for the models: --season first, then daily/weekly from the step, else detected. */
export function seasonsFor(series: PreparedSeries, season: number | undefined): number[] {
  const auto = defaultSeasons(series.stepSeconds);
  const base = auto.length ? auto : detectSeason(series.values);
  if (season === undefined) return base;
  return [season, ...base.filter((m) => m > season && m % season === 0)];
}

function jsonScores(s: BacktestScores) {
  const r = (v: number, d = 4) => (Number.isFinite(v) ? Number(v.toFixed(d)) : null);
  return { mape: r(s.mape), smape: r(s.smape), mase: r(s.mase), coverage90: r(s.coverage90), fitMs: r(s.fitMs, 1), forecastMs: r(s.forecastMs, 2) };
}

export const command: CliCommand = {
  name: 'backtest',
  summary: 'Rolling-origin backtest of every model and the ensemble on one series',
  usage,
  async run(argv: string[]): Promise<number> {
    const values = parseFlags(argv, { ...DATA_FLAGS, folds: { type: 'string' } });
    if (values.help) {
      console.log(usage);
      return 0;
    }
    const horizon = intFlag(values, 'horizon', 1);
    if (horizon === undefined) throw new UserError('--horizon H is required (steps ahead, after --agg)');
    const folds = intFlag(values, 'folds', 1) ?? 5;
    const models = modelsFlag(values);
    const series = await loadFromFlags(values);
    const seasons = seasonsFor(series, intFlag(values, 'season', 1));
    const season = intFlag(values, 'season', 1) ?? seasons[0] ?? 1;
    let result;
    try {
      const pool = computePool();
      result = await backtestSuite(series.values, {
        horizon,
        season,
        folds,
        models,
        ensemble: { mode: modeFlag(values) },
        fitOptions: { seasons, stepSeconds: series.stepSeconds },
        onFold: values.json ? undefined : (d, t) => process.stderr.write(`fold ${d}/${t} done\n`),
        runFold: (input) => pool.run('backtestFold', input),
      });
    } catch (err) {
      // A fold's input error comes back from its thread by name (not as the same class).
      if (err instanceof ForecastInputError || (err as Error).name === 'ForecastInputError') throw new UserError(`${series.name}: ${(err as Error).message}`);
      throw err;
    } finally {
      await closeComputePool();
    }
    const out = {
      series: series.name,
      points: series.values.length,
      horizon,
      season,
      models: Object.fromEntries(Object.entries(result.models).map(([k, v]) => [k, jsonScores(v)])),
      ensemble: jsonScores(result.ensemble),
    };
    if (values.json) {
      console.log(JSON.stringify(out, null, 2));
      return 0;
    }
    console.log(`${series.name}: ${out.points} points${series.stepSeconds ? `, step ${series.stepSeconds}s` : ''}, horizon ${horizon}, MASE season ${season}, ${folds} folds`);
    for (const note of series.notes) console.log(`  note: ${note}`);
    console.log(`${'model'.padEnd(14)} ${'MASE'.padStart(8)} ${'sMAPE'.padStart(8)} ${'MAPE'.padStart(8)} ${'cov90'.padStart(6)} ${'fit ms'.padStart(9)} ${'fc ms'.padStart(7)}`);
    const rows = [...Object.entries(out.models), ['ensemble', out.ensemble] as const];
    for (const [name, s] of rows) {
      const f = (v: number | null, d: number, w: number) => (v === null ? 'n/a' : v.toFixed(d)).padStart(w);
      console.log(`${name.padEnd(14)} ${f(s.mase, 3, 8)} ${f(s.smape, 2, 8)} ${f(s.mape, 2, 8)} ${f(s.coverage90, 2, 6)} ${f(s.fitMs, 0, 9)} ${f(s.forecastMs, 1, 7)}`);
    }
    console.log('ensemble weights (last fold):');
    for (const w of result.weights) console.log(`  ${w.model.padEnd(14)} ${w.weight.toFixed(3)}  ${w.reason}`);
    return 0;
  },
};

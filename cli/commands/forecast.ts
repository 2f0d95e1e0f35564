import { CliCommand, UserError } from '../command';
import { ForecastInputError } from '../../models/contract';
import { autoForecast } from '../../models/index';
import { DATA_FLAGS, intFlag, loadFromFlags, modeFlag, modelsFlag, parseFlags, seasonsFor } from './backtest';

const usage = `kinetic forecast --data FILE --horizon H [options]

Fits the candidate models, weights them on recent out-of-sample errors, and prints the ensemble
forecast with calibrated quantiles (P05, P50, P90, P95, P99) and the weight of each model.

  --data FILE, --value-col, --time-col, --step, --agg, --agg-fn   as for kinetic backtest
  --horizon H        steps ahead (after aggregation)
  --season M         main seasonal period in steps (default: daily from timestamps, else detected)
  --models LIST      restrict the candidate models      --mode weighted|consensus
  --json             print { series, points, stepSeconds, horizon, point, quantiles, chosen,
                     weights: [{ model, weight, reason }], coldStart, notes }`;

export const command: CliCommand = {
  name: 'forecast',
  summary: 'Forecast a series with the weighted ensemble and calibrated intervals',
  usage,
  async run(argv: string[]): Promise<number> {
    const values = parseFlags(argv, DATA_FLAGS);
    if (values.help) {
      console.log(usage);
      return 0;
    }
    const horizon = intFlag(values, 'horizon', 1);
    if (horizon === undefined) throw new UserError('--horizon H is required (steps ahead, after --agg)');
    const models = modelsFlag(values);
    const series = await loadFromFlags(values);
    const seasons = seasonsFor(series, intFlag(values, 'season', 1));
    let result;
    try {
      result = await autoForecast(series.values, { horizon, seasons, stepSeconds: series.stepSeconds, models, mode: modeFlag(values) });
    } catch (err) {
      if (err instanceof ForecastInputError) throw new UserError(`${series.name}: ${err.message}`);
      throw err;
    }
    const r = (v: number) => Number(v.toPrecision(6));
    const f = result.forecast;
    const out = {
      series: series.name,
      points: series.values.length,
      stepSeconds: series.stepSeconds ?? null,
      horizon,
      point: f.point.map(r),
      quantiles: Object.fromEntries(Object.entries(f.quantiles).map(([k, v]) => [k, v.map(r)])),
      chosen: result.chosen,
      weights: result.weights.map((w) => ({ model: w.model, weight: Number(w.weight.toFixed(4)), reason: w.reason })),
      coldStart: result.coldStart,
      notes: [...series.notes, ...(f.notes ?? [])],
    };
    if (values.json) {
      console.log(JSON.stringify(out, null, 2));
      return 0;
    }
    console.log(`${series.name}: ${out.points} points${series.stepSeconds ? `, step ${series.stepSeconds}s` : ''}; ${result.descriptions.join('; ')}`);
    console.log(`${'step'.padStart(5)} ${'P05'.padStart(11)} ${'P50'.padStart(11)} ${'P90'.padStart(11)} ${'P95'.padStart(11)} ${'P99'.padStart(11)}`);
    for (let j = 0; j < horizon; j++) {
      const cells = (['p05', 'p50', 'p90', 'p95', 'p99'] as const).map((l) => f.quantiles[l][j].toPrecision(5).padStart(11));
      console.log(`${String(j + 1).padStart(5)} ${cells.join(' ')}`);
    }
    console.log('weights:');
    for (const w of result.weights) console.log(`  ${w.model.padEnd(14)} ${w.weight.toFixed(3)}  ${w.reason}`);
    for (const note of out.notes) console.log(`note: ${note}`);
    return 0;
  },
};

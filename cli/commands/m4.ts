import { CliCommand, UserError } from '../command';
import { closeComputePool, computePool } from '../../compute';
import { ForecastInputError } from '../../models/contract';
import { readM4 } from '../../models/data';
import { scoreM4 } from '../../models/m4';
import { intFlag, modeFlag, modelsFlag, parseFlags } from './backtest';

const usage = `kinetic m4 --train FILE --test FILE [--json] [--limit N] [--models LIST] [--mode weighted|consensus]

Scores the ensemble and each model on the M4 Hourly set (h = 48, MASE season m = 24) with the
official sMAPE and MASE averaged over series, and OWA relative to Naive2 computed on the same
series (on all 414: sMAPE 18.383, MASE 2.395, the published figures). Series are fitted in
parallel on worker threads (one per core; KINETIC_COMPUTE_THREADS overrides). Progress goes to stderr.
  --train FILE   e.g. ../shared/data/m4/Hourly-train.csv
  --test FILE    e.g. ../shared/data/m4/Hourly-test.csv
  --limit N      only the first N series
  --json         print { series, smape, mase, owa, perModel: { NAME: { smape, mase, owa } }, naive2: { smape, mase } }`;

/** One-line progress bar with ETA; redrawn in place on a terminal, every 10% otherwise. */
export function progress(label: string): (done: number, total: number) => void {
  const start = Date.now();
  let lastDecile = -1;
  return (done, total) => {
    const frac = done / total;
    const eta = done ? ((Date.now() - start) / done) * (total - done) / 1000 : 0;
    const bar = '#'.repeat(Math.round(frac * 30)).padEnd(30, '.');
    const line = `${label} [${bar}] ${done}/${total} ETA ${eta.toFixed(0)}s`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}${done === total ? '\n' : ''}`);
    else if (Math.floor(frac * 10) > lastDecile || done === total) {
      lastDecile = Math.floor(frac * 10);
      process.stderr.write(`${line}\n`);
    }
  };
}

export const command: CliCommand = {
  name: 'm4',
  summary: 'Score the ensemble and every model on the M4 Hourly benchmark (sMAPE, MASE, OWA)',
  usage,
  async run(argv: string[]): Promise<number> {
    const values = parseFlags(argv, {
      train: { type: 'string' },
      test: { type: 'string' },
      limit: { type: 'string' },
      models: { type: 'string' },
      mode: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    });
    if (values.help) {
      console.log(usage);
      return 0;
    }
    if (typeof values.train !== 'string' || typeof values.test !== 'string') throw new UserError('--train FILE and --test FILE are required (M4 Hourly-train.csv / Hourly-test.csv)');
    const limit = intFlag(values, 'limit', 1);
    let train;
    let test;
    try {
      train = readM4(values.train);
      test = new Map(readM4(values.test).map((s) => [s.id, s.values]));
    } catch (err) {
      if (err instanceof ForecastInputError) throw new UserError(err.message);
      throw err;
    }
    const chosen = limit ? train.slice(0, limit) : train;
    const missing = chosen.find((s) => !test.has(s.id));
    if (missing) throw new UserError(`${values.test}: no test row for series ${missing.id}; train and test files must come from the same M4 frequency`);
    const pool = computePool();
    let result;
    try {
      result = await scoreM4(chosen, test, {
        ensemble: { models: modelsFlag(values), mode: modeFlag(values) },
        onSeries: progress('m4'),
        runSeries: (input) => pool.run('m4Series', input),
      });
    } finally {
      await closeComputePool();
    }
    const r = (v: number) => Number(v.toFixed(4));
    const perModel = Object.fromEntries(Object.entries(result.perModel).map(([k, v]) => [k, { smape: r(v.smape), mase: r(v.mase), owa: r(v.owa) }]));
    const naive2 = { smape: r(result.naive2.smape), mase: r(result.naive2.mase) };
    const out = { series: result.series, smape: r(result.smape), mase: r(result.mase), owa: r(result.owa), perModel, naive2 };
    if (values.json) {
      console.log(JSON.stringify(out, null, 2));
      return 0;
    }
    console.log(`M4 Hourly, ${out.series} series, h = 48, m = 24, ${result.seconds.toFixed(0)} s on ${pool.size} threads`);
    console.log(`OWA relative to Naive2 on these series: sMAPE ${naive2.smape.toFixed(3)}, MASE ${naive2.mase.toFixed(3)}`);
    console.log(`${'model'.padEnd(14)} ${'sMAPE'.padStart(8)} ${'MASE'.padStart(8)} ${'OWA'.padStart(8)}`);
    for (const [name, s] of [...Object.entries(perModel), ['ensemble', out] as const]) {
      console.log(`${name.padEnd(14)} ${s.smape.toFixed(3).padStart(8)} ${s.mase.toFixed(3).padStart(8)} ${s.owa.toFixed(3).padStart(8)}`);
    }
    return 0;
  },
};

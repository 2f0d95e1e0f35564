/**
 * M4 Hourly benchmark: the ensemble and each model on all 414 series (h = 48, m = 24), official
 * sMAPE / MASE and OWA vs Naive2 computed on the same series. Series are fitted in parallel on
 * the compute pool (one thread per core). Targets (issue 11): the default model set — what
 * `kinetic m4` uses without --models — in ≤ 3 minutes, ensemble OWA ≤ 0.433.
 *
 *   npx tsx bench/m4.ts [--limit N] [--models a,b] [--mode weighted|consensus] [--untuned]
 *
 * --untuned: the ensemble weighting before it was tuned on M4 Hourly (weights ∝ MAE^−2, floor for
 * every member) instead of the defaults (MAE^−4, floor within 2× of the best).
 */
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { closeComputePool, computePool } from '../compute';
import { progress } from '../cli/commands/m4';
import { readM4 } from '../models/data';
import { EnsembleMode, UNTUNED_WEIGHTING } from '../models/ensemble';
import { scoreM4 } from '../models/m4';

const DATA = resolve(process.env.KINETIC_DATA ?? resolve(__dirname, '../../shared/data'));
const TARGET_SECONDS = 180;
const TARGET_OWA = 0.433;

const load = () => loadavg().map((v) => v.toFixed(2)).join(', ');

async function main() {
  const { values: args } = parseArgs({ options: { limit: { type: 'string' }, models: { type: 'string' }, mode: { type: 'string' }, untuned: { type: 'boolean', default: false } } });
  const train = readM4(resolve(DATA, 'm4/Hourly-train.csv'));
  const test = new Map(readM4(resolve(DATA, 'm4/Hourly-test.csv')).map((s) => [s.id, s.values]));
  const chosen = args.limit ? train.slice(0, Number(args.limit)) : train;
  const pool = computePool();
  const loadBefore = load();
  const r = await scoreM4(chosen, test, {
    ensemble: { models: args.models?.split(','), mode: args.mode as EnsembleMode | undefined, ...(args.untuned ? UNTUNED_WEIGHTING : {}) },
    onSeries: progress('m4'),
    runSeries: (input) => pool.run('m4Series', input),
  });
  await closeComputePool();
  const settings = args.untuned ? 'untuned weighting (MAE^-2, floor for every member)' : 'tuned weighting (MAE^-4, floor within 2x of the best)';
  console.log(`M4 Hourly: ${r.series} series, h = 48, m = 24, models ${args.models ?? 'default set'}, ${settings}`);
  console.log(`${r.seconds.toFixed(1)} s on ${pool.size} threads; Node ${process.version}; load average (1, 5, 15 min) before ${loadBefore}, after ${load()}\n`);
  console.log('| model | sMAPE | MASE | OWA |');
  console.log('|---|---|---|---|');
  const rows = [...Object.entries(r.perModel), ['**ensemble**', r] as const];
  for (const [name, s] of rows) console.log(`| ${name} | ${s.smape.toFixed(3)} | ${s.mase.toFixed(3)} | ${s.owa.toFixed(3)} |`);
  console.log(`| Naive2 (OWA denominator) | ${r.naive2.smape.toFixed(3)} | ${r.naive2.mase.toFixed(3)} | 1.000 |`);
  console.log(`\ntarget OWA ≤ ${TARGET_OWA}: ${r.owa <= TARGET_OWA ? 'met' : 'NOT met'} (${r.owa.toFixed(3)}); target ≤ ${TARGET_SECONDS} s: ${r.seconds <= TARGET_SECONDS ? 'met' : 'NOT met'} (${r.seconds.toFixed(0)} s)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/**
 * M4 Hourly benchmark: the ensemble and each model on all 414 series (h = 48, m = 24), official
 * sMAPE / MASE and OWA vs Naive2. Target: ensemble OWA ≤ 0.50 in under 20 minutes.
 *
 *   npx tsx bench/m4.ts [--limit N] [--models a,b|auto] [--mode weighted|consensus]
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { progress } from '../cli/commands/m4';
import { readM4 } from '../models/data';
import { EnsembleMode } from '../models/ensemble';
import { scoreM4 } from '../models/m4';

/** The GRU is left out: 12–14 s per fit × 7 fits per series would take hours on 414 series. */
const BENCH_MODELS = 'naive,seasonalNaive,ewma,ets,sarima,prophet';

const DATA = resolve(process.env.KINETIC_DATA ?? resolve(__dirname, '../../shared/data'));

async function main() {
  const { values: args } = parseArgs({ options: { limit: { type: 'string' }, models: { type: 'string' }, mode: { type: 'string' } } });
  const train = readM4(resolve(DATA, 'm4/Hourly-train.csv'));
  const test = new Map(readM4(resolve(DATA, 'm4/Hourly-test.csv')).map((s) => [s.id, s.values]));
  const chosen = args.limit ? train.slice(0, Number(args.limit)) : train;
  const r = await scoreM4(chosen, test, {
    ensemble: { models: args.models === 'auto' ? undefined : (args.models ?? BENCH_MODELS).split(','), mode: args.mode as EnsembleMode | undefined },
    onSeries: progress('m4'),
  });
  console.log(`M4 Hourly: ${r.series} series, h = 48, m = 24, ${(r.seconds / 60).toFixed(1)} min on this machine\n`);
  console.log('| model | sMAPE | MASE | OWA |');
  console.log('|---|---|---|---|');
  const rows = [...Object.entries(r.perModel), ['**ensemble**', r] as const];
  for (const [name, s] of rows) console.log(`| ${name} | ${s.smape.toFixed(3)} | ${s.mase.toFixed(3)} | ${s.owa.toFixed(3)} |`);
  console.log(`\ntarget OWA ≤ 0.50: ${r.owa <= 0.5 ? 'met' : 'NOT met'} (${r.owa.toFixed(3)}); target < 20 min: ${r.seconds < 1200 ? 'met' : 'NOT met'} (${(r.seconds / 60).toFixed(1)} min)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/**
 * `npm run bench:m4-reference`: checks that this code reads M4 Hourly right and scores it by the
 * published definitions — seasonal naive, Naive1 and Naive2 must reproduce the published averages
 * over all 414 series. Needs the shared data (../shared/data or KINETIC_DATA), so it is a
 * benchmark check, not a unit test (a user's clone has no data). Exits 1 on a mismatch.
 */
import { resolve } from 'node:path';
import { readM4 } from '../models/data/m4';
import { mase, M4_HOURLY_NAIVE2, smape } from '../models/metrics';
import { naive2 } from '../models/naive2';

const DATA = resolve(process.env.KINETIC_DATA ?? resolve(__dirname, '../../shared/data'), 'm4');

const train = readM4(`${DATA}/Hourly-train.csv`);
const test = new Map(readM4(`${DATA}/Hourly-test.csv`).map((s) => [s.id, s.values]));
const rules: Record<string, (values: number[]) => number[]> = {
  'seasonal naive': (v) => Array.from({ length: 48 }, (_, j) => v[v.length - 24 + (j % 24)]),
  Naive1: (v) => new Array<number>(48).fill(v[v.length - 1]),
  Naive2: (v) => naive2(v, 24, 48).forecast,
};
// Published averages (Makridakis et al. 2020; the M4 "Evaluation and Ranks" sheet).
const published: Record<string, { smape: number; mase: number }> = {
  'seasonal naive': { smape: 13.912, mase: 1.193 },
  Naive1: { smape: 43.003, mase: 11.608 },
  Naive2: { smape: M4_HOURLY_NAIVE2.smape, mase: M4_HOURLY_NAIVE2.mase },
};
let ok = train.length === 414;
console.log(`${train.length} series (414 expected)`);
for (const [name, rule] of Object.entries(rules)) {
  let s = 0;
  let q = 0;
  for (const { id, values } of train) {
    const actual = test.get(id)!.slice(0, 48);
    const f = rule(values);
    s += smape(actual, f);
    q += mase(actual, f, values, 24);
  }
  const got = { smape: (s / train.length).toFixed(3), mase: (q / train.length).toFixed(3) };
  const want = published[name];
  const match = got.smape === want.smape.toFixed(3) && got.mase === want.mase.toFixed(3);
  ok &&= match;
  console.log(`${name}: sMAPE ${got.smape} (published ${want.smape.toFixed(3)}), MASE ${got.mase} (published ${want.mase.toFixed(3)}) ${match ? 'ok' : 'MISMATCH'}`);
}
process.exit(ok ? 0 : 1);

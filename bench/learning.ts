/**
 * bench:learning — does online reweighting help after a regime change, and does champion/challenger
 * ever promote a worse model?  Run: `npx tsx bench/learning.ts [--json]` (results in BENCHMARKS.md).
 *
 * Trace: two real NAB series spliced at a known point (AWS RDS CPU with a strong daily cycle, then a
 * heavily loaded EC2 instance's CPU), 5-minute steps. At every step each model forecasts h steps
 * ahead from the history so far (refitted daily, as the retrain schedule would); the ensemble is
 * their weighted mean. Fixed equal weights vs Hedge weights updated hourly from the realised errors
 * (as the reweight schedule would), with the production loss (under-forecasts cost 3×) and floor.
 */
import { join } from 'node:path';
import { hedge, equalWeights, Observation, Weights, combine } from '../learning/hedge';
import { holdoutMase, judgeChallenger } from '../learning/champion';
import { readCsvValues } from '../metrics/csv-source';
import type { FittedModel, FitOptions } from '../models/contract';
import { getForecaster } from '../models/registry';
import { mae, maseScale } from '../models/metrics';

const DATA = process.env.KINETIC_SHARED_DATA ?? '/work/shared/data';
const A = join(DATA, 'nab/realAWSCloudwatch/rds_cpu_utilization_cc0c53.csv');
const B = join(DATA, 'nab/realAWSCloudwatch/ec2_cpu_utilization_825cc2.csv');
const DAY = 288;
const H = 12; // forecast 1 hour ahead (12 × 5 min)
const MODELS = ['naive', 'seasonalNaive', 'ewma', 'ets'];
const FIT: FitOptions = { seasons: [DAY], stepSeconds: 300, seed: 1 };
const HEDGE = { learningRate: 0.5, underForecastPenalty: 3, weightFloor: 0.02 };
const REWEIGHT_EVERY = 12; // hourly

function load(file: string): number[] {
  return readCsvValues({ path: file, valueColumn: 'value', timeColumn: 'timestamp', historyPoints: 1e9 }).values;
}

async function main() {
  const json = process.argv.includes('--json');
  const a = load(A);
  const b = load(B);
  const warm = 3 * DAY; // models need history before scoring starts
  const trace = [...a, ...b];
  const change = a.length;
  const t0 = Date.now();

  // Per-step h-ahead point forecast of every model (forecastFrom on a daily refit).
  const preds: Record<string, Float64Array> = {};
  for (const m of MODELS) preds[m] = new Float64Array(trace.length).fill(NaN);
  for (const m of MODELS) {
    const f = getForecaster(m);
    let fitted: FittedModel | undefined;
    for (let origin = warm; origin + H <= trace.length; origin++) {
      const history = trace.slice(Math.max(0, origin - 14 * DAY), origin);
      if (!fitted || (origin - warm) % DAY === 0) fitted = await f.fit(history, FIT);
      const fc = fitted.forecastFrom ? fitted.forecastFrom(history, H) : fitted.forecast(H);
      preds[m][origin + H - 1] = fc.point[H - 1]; // the forecast for the target step origin+H−1
    }
  }
  const fitSeconds = (Date.now() - t0) / 1000;

  // Ensembles: fixed equal weights vs Hedge reweighted hourly from realised errors.
  const fixed = equalWeights(MODELS);
  let learned: Weights = equalWeights(MODELS);
  const ensFixed = new Float64Array(trace.length).fill(NaN);
  const ensHedge = new Float64Array(trace.length).fill(NaN);
  let pending: Observation[] = [];
  const weightsAt: Array<{ step: number; weights: Weights }> = [];
  for (let t = warm + H - 1; t < trace.length; t++) {
    const p = Object.fromEntries(MODELS.map((m) => [m, preds[m][t]]));
    ensFixed[t] = combine(p, fixed);
    ensHedge[t] = combine(p, learned);
    // y[t] is now observed: the prediction made for it can be scored.
    pending.push({ actual: trace[t], predicted: p });
    if (pending.length >= REWEIGHT_EVERY) {
      learned = hedge(learned, MODELS, pending, HEDGE).weights;
      pending = [];
    }
    if (t === change - 1 || t === change + DAY || t === trace.length - 1) weightsAt.push({ step: t, weights: learned });
  }

  const scale = maseScale(trace.slice(0, change), DAY);
  const after = (arr: Float64Array | number[]) => Array.from(arr.slice(change));
  const mase = (f: Float64Array) => mae(after(trace), after(f)) / scale;
  const before = (f: Float64Array) => mae(trace.slice(warm + H, change), Array.from(f.slice(warm + H, change))) / scale;
  const perModelAfter = Object.fromEntries(MODELS.map((m) => [m, +mase(preds[m]).toFixed(4)]));
  const fixedAfter = mase(ensFixed);
  const hedgeAfter = mase(ensHedge);
  const firstDay = (f: Float64Array) => mae(trace.slice(change, change + DAY), Array.from(f.slice(change, change + DAY))) / scale;

  // Champion/challenger on the same trace: a daily retrain whose challengers alternate between the
  // right config and a regressed one (season dropped); count promotions that were worse on the holdout.
  const cc = await championChallenger(trace, warm);

  const result = {
    trace: { a: 'nab/realAWSCloudwatch/rds_cpu_utilization_cc0c53.csv', b: 'nab/realAWSCloudwatch/ec2_cpu_utilization_825cc2.csv', points: trace.length, change, stepMinutes: 5, horizon: H },
    models: MODELS,
    hedge: { ...HEDGE, reweightEverySteps: REWEIGHT_EVERY },
    maseScale: 'MAE / in-sample seasonal-naive MAE (m = 288) of the part before the change',
    afterChange: { fixedEqual: +fixedAfter.toFixed(4), hedge: +hedgeAfter.toFixed(4), improvementPct: +((100 * (fixedAfter - hedgeAfter)) / fixedAfter).toFixed(1), perModel: perModelAfter },
    firstDayAfterChange: { fixedEqual: +firstDay(ensFixed).toFixed(4), hedge: +firstDay(ensHedge).toFixed(4) },
    beforeChange: { fixedEqual: +before(ensFixed).toFixed(4), hedge: +before(ensHedge).toFixed(4) },
    weights: weightsAt.map((w) => ({ step: w.step, weights: Object.fromEntries(Object.entries(w.weights).map(([k, v]) => [k, +v.toFixed(3)])) })),
    championChallenger: cc,
    seconds: +((Date.now() - t0) / 1000).toFixed(1),
    forecastSeconds: +fitSeconds.toFixed(1),
  };
  if (json) console.log(JSON.stringify(result));
  else console.log(JSON.stringify(result, null, 2));
  const ok = result.afterChange.improvementPct >= 10 && cc.promotedWorse === 0;
  if (!ok) process.exitCode = 1;
}

async function championChallenger(trace: number[], warm: number) {
  const holdout = 24;
  const margin = 0.02;
  const champions: Record<string, { fitted: FittedModel; seasons: number[] }> = {};
  let promotions = 0;
  let rejections = 0;
  let promotedWorse = 0;
  let badChallengersRejected = 0;
  let badChallengers = 0;
  const models = ['seasonalNaive', 'ewma', 'ets'];
  let day = 0;
  for (let end = warm + DAY; end <= trace.length; end += DAY, day++) {
    const window = trace.slice(Math.max(0, end - 14 * DAY), end);
    const train = window.slice(0, window.length - holdout);
    const actual = window.slice(window.length - holdout);
    for (const m of models) {
      const f = getForecaster(m);
      const regressed = day % 3 === 2; // every third day the "config" drops the season
      const seasons = regressed ? [] : [DAY];
      const challenger = await f.fit(train, { ...FIT, seasons });
      const challengerScore = holdoutMase(actual, challenger.forecast(holdout).point, train, DAY);
      const champ = champions[m];
      let championScore: number | undefined;
      if (champ) {
        const fc = champ.fitted.forecastFrom ? champ.fitted.forecastFrom(train, holdout) : (await f.fit(train, { ...FIT, seasons: champ.seasons })).forecast(holdout);
        championScore = holdoutMase(actual, fc.point, train, DAY);
      }
      const verdict = judgeChallenger(challengerScore, championScore, margin);
      if (regressed && champ) badChallengers++;
      if (verdict.promote) {
        promotions++;
        if (championScore !== undefined && challengerScore >= championScore) promotedWorse++;
        champions[m] = { fitted: await f.fit(window, { ...FIT, seasons }), seasons };
      } else {
        rejections++;
        if (regressed && champ) badChallengersRejected++;
      }
    }
  }
  return { retrains: day, promotions, rejections, promotedWorse, regressedChallengers: badChallengers, regressedChallengersRejected: badChallengersRejected, margin, holdout };
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

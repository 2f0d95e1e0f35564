/**
 * `npm run bench:decision-forecast`: is the learned, champion-based forecast a decision uses now
 * at least as accurate as refitting the ensemble at every decision (what decisions did before),
 * and how much faster is the forecast step?
 *
 * Accuracy, per shared series (bench/helpers/forecast-cases.ts), at the backtest protocol's
 * origins T − h·(F − f), f = 0 … F−1 (default F = 5), h = 1 hour:
 * - refit: `autoForecast` on the history up to the origin with the default models — the old step;
 * - learned: the product's learning loop run causally up to the origin (sim/planner-trace.ts:
 *   models refitted once a simulated day, Hedge reweighting every hour, the planner re-anchoring
 *   every step), then the planner's point path at the origin — the new step.
 * MASE = MAE over the horizon and the folds ÷ the in-sample seasonal-naive MAE (m = 1 day).
 *
 * Speed, at 4,032 points (14 days at 5 minutes): the old step (`autoForecast`, all fits) against
 * the new step with champion artifacts already stored (deserialise + 2,000-step replay), and with
 * none (every model fitted at decision time). Same process, same run, median of 5.
 *
 * `--offset-days D` moves every origin D days (MASE seasons) earlier: development origins that do
 * not overlap the reported ones, to try a change on before it is measured on the protocol's.
 *
 *   npx tsx bench/decision-forecast.ts [--folds F] [--offset-days D] [--only substring] [--no-write]
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadSeries } from '../models/data';
import { autoForecast } from '../models/index';
import { mase } from '../models/metrics';
import { getForecaster } from '../models/registry';
import { DEFAULT_PLANNER_MODELS, defaultPlannerOptions } from '../planning/predictive/options';
import { runReplayJob, type ReplayJob } from '../planning/predictive/replay-job';
import { planTrace, traceDefaults } from '../sim/planner-trace';
import { seasonsFor } from '../sim/seasons';
import { caseName, FORECAST_CASES, type ForecastCase } from './helpers/forecast-cases';
import { commandLine, describeLoad, infoLines, LoadSampler, runInfo } from './helpers/run-info';

const DATA = resolve(process.env.KINETIC_DATA ?? resolve(__dirname, '../../shared/data'));
const MODELS = [...DEFAULT_PLANNER_MODELS];

interface Accuracy {
  name: string;
  points: number;
  refit: number;
  learned: number;
  refitMs: number;
  learnedMs: number;
}

async function accuracy(c: ForecastCase, folds: number, offsetDays: number): Promise<Accuracy> {
  const values = (await loadSeries(join(DATA, c.file), c.load)).values;
  const h = c.horizon;
  const refitErrors: number[] = [];
  const learnedErrors: number[] = [];
  const actuals: number[] = [];
  let refitMs = 0;
  let learnedMs = 0;
  for (let f = 0; f < folds; f++) {
    const origin = values.length - offsetDays * c.season - h * (folds - f);
    const history = values.slice(0, origin);
    const actual = values.slice(origin, origin + h);
    const seasons = seasonsFor(c.stepSeconds, origin);
    let t0 = performance.now();
    const refit = await autoForecast(history, { horizon: h, seasons, stepSeconds: c.stepSeconds, models: MODELS });
    refitMs += performance.now() - t0;
    t0 = performance.now();
    // Plans for steps origin … origin (one plan): window = leads 1 … h.
    const trace = await planTrace(values.slice(0, origin + 1), origin, { ...traceDefaults(c.stepSeconds, h - 1, seasons), models: MODELS, quantiles: [0.95] });
    learnedMs += performance.now() - t0;
    const point = trace.plans[0].point;
    refitErrors.push(...refit.forecast.point.slice(0, h));
    learnedErrors.push(...point.slice(0, h));
    actuals.push(...actual);
  }
  const insample = values.slice(0, values.length - offsetDays * c.season - h * folds);
  return {
    name: caseName(c),
    points: values.length,
    refit: mase(actuals, refitErrors, insample, c.season),
    learned: mase(actuals, learnedErrors, insample, c.season),
    refitMs: refitMs / folds,
    learnedMs: learnedMs / folds,
  };
}

interface Speed {
  points: number;
  oldStepMs: number[];
  championStepMs: number[];
  fittedNowStepMs: number[];
}

async function speed(): Promise<Speed> {
  const values = (await loadSeries(join(DATA, 'nab/realAWSCloudwatch/ec2_cpu_utilization_5f5533.csv'), {})).values.slice(-4032);
  const seasons = [288, 2016];
  const window = { from: 2, to: 3 }; // lead 10 min, interval 5 min at 5-minute steps (the defaults)
  const options = defaultPlannerOptions(300, window, [0.95, 0.9, 0.99]);
  // Champions as retraining stores them: fitted on the same window, serialised.
  const artifacts: ReplayJob['models'] = [];
  for (const m of MODELS) artifacts.push({ name: m, artifact: (await getForecaster(m).fit(values, { seasons, stepSeconds: 300, seed: 1 })).serialize(), fitStart: 0 });
  const job = (withChampions: boolean): ReplayJob => ({
    history: values,
    models: withChampions ? artifacts : MODELS.map((name) => ({ name, fitStart: 0 })),
    weights: Object.fromEntries(MODELS.map((m) => [m, 1 / MODELS.length])),
    options,
    seasons,
    stepSeconds: 300,
    replaySteps: 2000,
  });
  const out: Speed = { points: values.length, oldStepMs: [], championStepMs: [], fittedNowStepMs: [] };
  for (let i = 0; i < 5; i++) {
    let t0 = performance.now();
    await autoForecast(values, { horizon: 3, seasons, stepSeconds: 300, models: MODELS });
    out.oldStepMs.push(performance.now() - t0);
    t0 = performance.now();
    await runReplayJob(job(true));
    out.championStepMs.push(performance.now() - t0);
    t0 = performance.now();
    await runReplayJob(job(false));
    out.fittedNowStepMs.push(performance.now() - t0);
  }
  return out;
}

/**
 * Bursty per-minute counts (NASA, 1-minute sums, the outage zeros left in): the planner's point
 * path at leads 1 … 4 (the simulator's boot window B = 3) over the scored half, against naive
 * (the last value) on the same steps. The issue asks that the forecast at least match naive here.
 */
async function burstyVsNaive(): Promise<{ steps: number; plannerMae: number; naiveMae: number }> {
  const values = (await loadSeries(join(DATA, 'nasa_http_1995/workload.tbz2'), { agg: 60, aggFn: 'sum', stepSeconds: 1 })).values;
  const W = Math.floor(values.length / 2);
  const trace = await planTrace(values, W, { ...traceDefaults(60, 3, seasonsFor(60, W)), models: MODELS, quantiles: [0.95] });
  let planner = 0;
  let naive = 0;
  let count = 0;
  trace.plans.forEach((p, i) => {
    const t = W + i; // the plan at step t forecasts t … t + 3 from values before t
    for (let k = 0; k < 4 && t + k < values.length; k++) {
      planner += Math.abs(values[t + k] - p.point[k]);
      naive += Math.abs(values[t + k] - values[t - 1]);
      count++;
    }
  });
  return { steps: trace.plans.length, plannerMae: planner / count, naiveMae: naive / count };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

async function main(): Promise<void> {
  const { values: args } = parseArgs({ options: { folds: { type: 'string', default: '5' }, 'offset-days': { type: 'string', default: '0' }, only: { type: 'string' }, 'no-write': { type: 'boolean' } } });
  const info = runInfo(commandLine(__filename));
  const load = new LoadSampler().start();
  const folds = Number(args.folds);
  const rows: Accuracy[] = [];
  for (const c of FORECAST_CASES.filter((x) => !args.only || caseName(x).includes(args.only!))) {
    const r = await accuracy(c, folds, Number(args['offset-days']));
    rows.push(r);
    console.error(`${r.name}: refit MASE ${r.refit.toFixed(3)}, learned ${r.learned.toFixed(3)}`);
  }
  const s = await speed();
  const bursty = await burstyVsNaive();
  const L: string[] = ['# A decision\'s forecast: learned and champion-based vs refitted every time', '', ...infoLines(info), `- Load: ${describeLoad(load.stop())}`, ''];
  const offset = Number(args['offset-days']);
  const origins = offset ? `${folds} per series, ${offset} day(s) before the protocol's (development origins)` : `${folds} per series${folds === 5 ? " (the backtest protocol's default)" : ''}`;
  L.push(`Models: ${MODELS.join(', ')}. Origins: ${origins}, horizon 1 hour.`, '');
  L.push('| series | points | refit MASE | learned MASE | learned ≤ refit | refit ms/origin | learning loop ms/origin |');
  L.push('|---|---|---|---|---|---|---|');
  for (const r of rows) L.push(`| ${r.name} | ${r.points} | ${r.refit.toFixed(3)} | ${r.learned.toFixed(3)} | ${r.learned <= r.refit ? '✅' : '❌'} (${(100 * (r.learned / r.refit - 1)).toFixed(1)}%) | ${r.refitMs.toFixed(0)} | ${r.learnedMs.toFixed(0)} |`);
  const wins = rows.filter((r) => r.learned <= r.refit).length;
  L.push('', `Learned at least as accurate as a refit on **${wins}/${rows.length}** series (target ≥ 10 of 13).`, '');
  L.push('(The learning-loop column simulates up to two weeks of retraining, reweighting and planning per origin to reach the state a service would be in; it is not what one decision costs — see below.)', '');
  const ratio = median(s.oldStepMs) / median(s.championStepMs);
  L.push(`Forecast step at ${s.points} points, median of 5 in this run: old (refit every model and calibrate) **${median(s.oldStepMs).toFixed(0)} ms**; new with stored champions **${median(s.championStepMs).toFixed(0)} ms** (**${ratio.toFixed(1)}×** faster; target ≥ 5×); new with every model fitted at decision time ${median(s.fittedNowStepMs).toFixed(0)} ms.`);
  L.push(`Raw (ms): old ${s.oldStepMs.map((x) => x.toFixed(0)).join(', ')}; champions ${s.championStepMs.map((x) => x.toFixed(0)).join(', ')}; fitted now ${s.fittedNowStepMs.map((x) => x.toFixed(0)).join(', ')}.`, '');
  L.push(`Bursty per-minute counts (NASA 1-minute sums, ${bursty.steps} scored steps, leads 1–4): planner point MAE **${bursty.plannerMae.toFixed(3)}** vs naive ${bursty.naiveMae.toFixed(3)} (${bursty.plannerMae <= bursty.naiveMae ? 'at least matches naive' : 'WORSE than naive'}; ${(100 * (1 - bursty.plannerMae / bursty.naiveMae)).toFixed(1)}% lower).`, '');
  const md = L.join('\n');
  if (!args['no-write']) writeFileSync(join(__dirname, 'results', 'decision-forecast.md'), md);
  console.log(md);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

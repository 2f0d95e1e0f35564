import { FitOptions, Forecast, ForecastInputError, Forecaster } from './contract';
import { EnsembleOptions, ModelWeight, ensembleForecaster } from './ensemble';
import { getForecaster } from './registry';
import { maseScale, nanMean, smapeTerm } from './metrics';

/**
 * Rolling-origin backtest, exactly the protocol of issue 4 so outside checks can recompute it:
 * origins o_f = T − h·(F − f), f = 0…F−1; fold f fits on y[0, o_f) and forecasts y[o_f, o_f + h).
 * MASE per fold = mean |error| / mean |y_t − y_{t−m}| over the fold's training part, averaged
 * over folds; sMAPE, MAPE (non-zero actuals) and coverage90 ([P05, P95]) pool all folds and steps.
 */

export interface BacktestScores {
  mape: number;
  smape: number;
  mase: number;
  coverage90: number;
  /** Mean wall-clock milliseconds per fold. */
  fitMs: number;
  forecastMs: number;
}

export interface BacktestOptions {
  horizon: number;
  /** Seasonal lag m of the MASE scale (1 = naive scaling). */
  season: number;
  folds?: number;
  /** Passed to every fit (seasons, stepSeconds, seed). */
  fitOptions?: FitOptions;
}

export interface FoldResult {
  origin: number;
  actual: number[];
  point: number[];
  p05: number[];
  p95: number[];
  mase: number;
}

export interface BacktestResult extends BacktestScores {
  model: string;
  folds: FoldResult[];
}

/** The fold origins; throws when the series is too short for F folds of h plus a training part. */
export function foldOrigins(length: number, horizon: number, folds: number, season = 1): number[] {
  const origins = Array.from({ length: folds }, (_, f) => length - horizon * (folds - f));
  const minTrain = Math.max(2, season + 1);
  if (origins[0] < minTrain) {
    throw new ForecastInputError(
      `series of ${length} points is too short for ${folds} folds of horizon ${horizon} (the first fold would train on ${origins[0]} points, need ${minTrain}); use fewer --folds, a shorter --horizon or a smaller --agg`,
    );
  }
  return origins;
}

export async function backtest(values: readonly number[], forecaster: Forecaster, opts: BacktestOptions): Promise<BacktestResult> {
  const { horizon, season } = opts;
  const origins = foldOrigins(values.length, horizon, opts.folds ?? 5, season);
  const folds: FoldResult[] = [];
  let fitMs = 0;
  let forecastMs = 0;
  for (const origin of origins) {
    const train = values.slice(0, origin);
    const t0 = performance.now();
    const model = await forecaster.fit(train, { ...opts.fitOptions, horizon });
    const t1 = performance.now();
    const fc = model.forecast(horizon);
    const t2 = performance.now();
    fitMs += t1 - t0;
    forecastMs += t2 - t1;
    const actual = values.slice(origin, origin + horizon);
    let absErr = 0;
    for (let j = 0; j < horizon; j++) absErr += Math.abs(actual[j] - fc.point[j]);
    folds.push({
      origin,
      actual,
      point: fc.point,
      p05: fc.quantiles.p05,
      p95: fc.quantiles.p95,
      mase: absErr / horizon / maseScale(train, season),
    });
  }
  return { model: forecaster.name, ...scoreFolds(folds), fitMs: fitMs / folds.length, forecastMs: forecastMs / folds.length, folds };
}

/** Pool the fold results into the protocol's scores (timings are filled in by the caller). */
export function scoreFolds(folds: readonly FoldResult[]): Omit<BacktestScores, 'fitMs' | 'forecastMs'> {
  let smapeSum = 0;
  let mapeSum = 0;
  let mapeN = 0;
  let inside = 0;
  let n = 0;
  for (const f of folds) {
    for (let j = 0; j < f.actual.length; j++) {
      const y = f.actual[j];
      const yhat = f.point[j];
      smapeSum += smapeTerm(y, yhat);
      if (y !== 0) {
        mapeSum += (100 * Math.abs(y - yhat)) / Math.abs(y);
        mapeN++;
      }
      if (y >= f.p05[j] && y <= f.p95[j]) inside++;
      n++;
    }
  }
  // A fold with a flat training part has no MASE scale (infinite/NaN): leave it out of the mean.
  const mase = nanMean(folds.map((f) => (Number.isFinite(f.mase) ? f.mase : NaN)));
  return { smape: smapeSum / n, mape: mapeN ? mapeSum / mapeN : NaN, mase, coverage90: inside / n };
}

export interface SuiteOptions extends BacktestOptions {
  /** Models to report and to combine; naive and seasonalNaive are always reported. */
  models?: string[];
  ensemble?: EnsembleOptions;
  /** Called after each fold (progress on long runs). */
  onFold?: (done: number, total: number) => void;
  /** Runs one fold (e.g. on the compute pool); default in this thread, one fold at a time. */
  runFold?: (input: FoldInput) => Promise<FoldOutput>;
}

export interface SuiteResult {
  models: Record<string, BacktestScores>;
  ensemble: BacktestScores;
  /** Weights and reasons of the ensemble fitted on the last fold. */
  weights: ModelWeight[];
  origins: number[];
}

/** One fold's work, self-contained so it can run on another thread. */
export interface FoldInput {
  /** The fold's training part y[0, o_f). */
  train: number[];
  horizon: number;
  /** Models always reported (fitted alone when they are not ensemble members). */
  requested: string[];
  ensemble: EnsembleOptions;
  fitOptions?: FitOptions;
}

export interface FoldForecast {
  point: number[];
  p05: number[];
  p95: number[];
  fitMs: number;
  forecastMs: number;
}

export interface FoldOutput {
  ensemble: FoldForecast;
  /** Every member and every requested model, in report order. */
  members: Record<string, FoldForecast>;
  weights: ModelWeight[];
}

const foldForecast = (fc: Forecast, fitMs: number, forecastMs: number): FoldForecast => ({ point: fc.point, p05: fc.quantiles.p05, p95: fc.quantiles.p95, fitMs, forecastMs });

/** Fit the ensemble on one fold's training part; members' forecasts come from that same fit. */
export async function backtestFold({ train, horizon, requested, ensemble, fitOptions }: FoldInput): Promise<FoldOutput> {
  const t0 = performance.now();
  const model = await ensembleForecaster(ensemble).fit(train, { ...fitOptions, horizon });
  const t1 = performance.now();
  const { forecast: fc, members: memberFcs } = model.forecastWithMembers(horizon);
  const ens = foldForecast(fc, t1 - t0, performance.now() - t1);
  const members: Record<string, FoldForecast> = {};
  for (const name of uniq([...requested, ...Object.keys(memberFcs)])) {
    const entry = memberFcs[name];
    if (entry) {
      members[name] = foldForecast(entry.forecast, entry.fitMs, entry.forecastMs);
      continue;
    }
    // Not an ensemble member on this fold (e.g. cold start): fit it alone for the report.
    const s0 = performance.now();
    const alone = await getForecaster(name).fit(train, { ...fitOptions, horizon });
    const s1 = performance.now();
    members[name] = foldForecast(alone.forecast(horizon), s1 - s0, performance.now() - s1);
  }
  return { ensemble: ens, members, weights: model.weights() };
}

/**
 * Backtest the ensemble and every member in one pass: each fold fits the ensemble once, and the
 * members' forecasts (with their own calibrated intervals) come from that same fit, so a model
 * is never fitted twice per fold. Member fitMs includes its calibration refits. Folds are
 * independent, so `runFold` may run them in parallel; results are assembled in fold order.
 */
export async function backtestSuite(values: readonly number[], opts: SuiteOptions): Promise<SuiteResult> {
  const { horizon, season } = opts;
  const origins = foldOrigins(values.length, horizon, opts.folds ?? 5, season);
  const requested = uniq(['naive', 'seasonalNaive', ...(opts.models ?? [])]);
  const ensemble: EnsembleOptions = { ...opts.ensemble, models: opts.models ? requested : undefined };
  let done = 0;
  const run = async (origin: number) => {
    const input: FoldInput = { train: values.slice(0, origin), horizon, requested, ensemble, fitOptions: opts.fitOptions };
    const out = await (opts.runFold ? opts.runFold(input) : backtestFold(input));
    opts.onFold?.(++done, origins.length);
    return out;
  };
  let outputs: FoldOutput[];
  if (opts.runFold) outputs = await Promise.all(origins.map(run));
  else {
    outputs = [];
    for (const origin of origins) outputs.push(await run(origin));
  }
  const perModel = new Map<string, { folds: FoldResult[]; fitMs: number; forecastMs: number }>();
  const ensFolds: FoldResult[] = [];
  let ensFit = 0;
  let ensForecast = 0;
  outputs.forEach((out, f) => {
    const origin = origins[f];
    const actual = values.slice(origin, origin + horizon);
    const scale = maseScale(values.slice(0, origin), season);
    const fold = (fc: FoldForecast): FoldResult => ({
      origin,
      actual,
      point: fc.point,
      p05: fc.p05,
      p95: fc.p95,
      mase: actual.reduce((s, y, j) => s + Math.abs(y - fc.point[j]), 0) / horizon / scale,
    });
    ensFolds.push(fold(out.ensemble));
    ensFit += out.ensemble.fitMs;
    ensForecast += out.ensemble.forecastMs;
    for (const [name, fc] of Object.entries(out.members)) {
      const acc = perModel.get(name) ?? { folds: [], fitMs: 0, forecastMs: 0 };
      acc.folds.push(fold(fc));
      acc.fitMs += fc.fitMs;
      acc.forecastMs += fc.forecastMs;
      perModel.set(name, acc);
    }
  });
  const F = origins.length;
  const models: Record<string, BacktestScores> = {};
  for (const [name, acc] of perModel) {
    if (acc.folds.length !== F) continue;
    models[name] = { ...scoreFolds(acc.folds), fitMs: acc.fitMs / F, forecastMs: acc.forecastMs / F };
  }
  const weights = outputs[F - 1]?.weights ?? [];
  return { models, ensemble: { ...scoreFolds(ensFolds), fitMs: ensFit / F, forecastMs: ensForecast / F }, weights, origins };
}

function uniq(a: readonly string[]): string[] {
  return [...new Set(a)];
}

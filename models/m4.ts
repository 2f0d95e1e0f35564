import { EnsembleOptions, ensembleForecaster } from './ensemble';
import { mase, smape } from './metrics';
import { naive2 } from './naive2';

/**
 * Score the ensemble and each member on M4 Hourly (h = 48, m = 24) with the official sMAPE/MASE
 * averaged over series and OWA against Naive2 computed on the same series (so a --limit subset
 * is scored fairly; on all 414 series it reproduces the published 18.383 / 2.395).
 */

export interface M4Scores {
  smape: number;
  mase: number;
  owa: number;
}

export interface M4Result extends M4Scores {
  series: number;
  perModel: Record<string, M4Scores>;
  /** Naive2 on the scored series: the denominators of every OWA here. */
  naive2: { smape: number; mase: number };
  seconds: number;
}

/** One series' work: fit the ensemble and return each member's and the ensemble's point forecast. */
export interface M4SeriesInput {
  values: number[];
  horizon: number;
  seasons: number[];
  ensemble?: EnsembleOptions;
}

export interface M4SeriesOutput {
  ensemble: number[];
  members: Record<string, number[]>;
  fitMs: number;
}

export async function forecastM4Series({ values, horizon, seasons, ensemble }: M4SeriesInput): Promise<M4SeriesOutput> {
  const t0 = performance.now();
  const model = await ensembleForecaster(ensemble).fit(values, { horizon, seasons, stepSeconds: 3600 });
  const { forecast, members } = model.forecastWithMembers(horizon);
  const points = Object.fromEntries(Object.entries(members).map(([name, m]) => [name, m.forecast.point]));
  return { ensemble: forecast.point, members: points, fitMs: performance.now() - t0 };
}

export interface M4Options {
  horizon?: number;
  season?: number;
  /** Seasons given to the models (default daily and weekly: 24, 168). */
  seasons?: number[];
  ensemble?: EnsembleOptions;
  onSeries?: (done: number, total: number) => void;
  /** Runs one series' fit (e.g. on the compute pool); default in this thread, one at a time. */
  runSeries?: (input: M4SeriesInput) => Promise<M4SeriesOutput>;
}

export async function scoreM4(
  train: ReadonlyArray<{ id: string; values: number[] }>,
  test: ReadonlyMap<string, number[]>,
  opts: M4Options = {},
): Promise<M4Result> {
  const h = opts.horizon ?? 48;
  const m = opts.season ?? 24;
  const seasons = opts.seasons ?? [24, 168];
  const actuals = train.map(({ id }) => {
    const actual = test.get(id);
    if (!actual || actual.length < h) throw new RangeError(`M4 test set has no ${h} values for ${id}`);
    return actual.slice(0, h);
  });
  const t0 = performance.now();
  let done = 0;
  const run = async (i: number) => {
    const input: M4SeriesInput = { values: train[i].values, horizon: h, seasons, ensemble: opts.ensemble };
    const out = await (opts.runSeries ? opts.runSeries(input) : forecastM4Series(input));
    opts.onSeries?.(++done, train.length);
    return out;
  };
  let outputs: M4SeriesOutput[];
  if (opts.runSeries) outputs = await Promise.all(train.map((_, i) => run(i)));
  else {
    outputs = [];
    for (let i = 0; i < train.length; i++) outputs.push(await run(i));
  }
  // Summed in series order whatever order the fits finished in, so results do not depend on threads.
  const sums = new Map<string, { smape: number; mase: number; n: number }>();
  const add = (name: string, i: number, point: number[]) => {
    const acc = sums.get(name) ?? { smape: 0, mase: 0, n: 0 };
    acc.smape += smape(actuals[i], point);
    acc.mase += mase(actuals[i], point, train[i].values, m);
    acc.n++;
    sums.set(name, acc);
  };
  outputs.forEach((out, i) => {
    add('ensemble', i, out.ensemble);
    for (const [name, point] of Object.entries(out.members)) add(name, i, point);
    add('naive2', i, naive2(train[i].values, m, h).forecast);
  });
  const mean = (name: string) => {
    const a = sums.get(name)!;
    return { smape: a.smape / a.n, mase: a.mase / a.n };
  };
  const bench = mean('naive2');
  // OWA as in metrics.owa, but against this subset's Naive2 (owa()'s type pins the published pair).
  const score = (name: string): M4Scores => {
    const s = mean(name);
    return { ...s, owa: (s.smape / bench.smape + s.mase / bench.mase) / 2 };
  };
  const perModel: Record<string, M4Scores> = {};
  for (const name of sums.keys()) if (name !== 'ensemble' && name !== 'naive2' && sums.get(name)!.n === train.length) perModel[name] = score(name);
  return { series: train.length, ...score('ensemble'), perModel, naive2: bench, seconds: (performance.now() - t0) / 1000 };
}

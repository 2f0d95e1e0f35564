import { EnsembleOptions, ensembleForecaster } from './ensemble';
import { mase, owa, smape } from './metrics';

/**
 * Score the ensemble and each member on M4 Hourly (h = 48, m = 24) with the official sMAPE/MASE
 * averaged over series and OWA against the published Naive2 figures.
 */

export interface M4Scores {
  smape: number;
  mase: number;
  owa: number;
}

export interface M4Result extends M4Scores {
  series: number;
  perModel: Record<string, M4Scores>;
  seconds: number;
}

export interface M4Options {
  horizon?: number;
  season?: number;
  /** Seasons given to the models (default daily and weekly: 24, 168). */
  seasons?: number[];
  ensemble?: EnsembleOptions;
  onSeries?: (done: number, total: number) => void;
}

export async function scoreM4(
  train: ReadonlyArray<{ id: string; values: number[] }>,
  test: ReadonlyMap<string, number[]>,
  opts: M4Options = {},
): Promise<M4Result> {
  const h = opts.horizon ?? 48;
  const m = opts.season ?? 24;
  const seasons = opts.seasons ?? [24, 168];
  const ens = ensembleForecaster(opts.ensemble);
  const sums = new Map<string, { smape: number; mase: number; n: number }>();
  const add = (name: string, actual: number[], point: number[], insample: number[]) => {
    const acc = sums.get(name) ?? { smape: 0, mase: 0, n: 0 };
    acc.smape += smape(actual, point);
    acc.mase += mase(actual, point, insample, m);
    acc.n++;
    sums.set(name, acc);
  };
  const t0 = performance.now();
  for (let i = 0; i < train.length; i++) {
    const { id, values } = train[i];
    const actual = test.get(id);
    if (!actual || actual.length < h) throw new RangeError(`M4 test set has no ${h} values for ${id}`);
    const model = await ens.fit(values, { horizon: h, seasons, stepSeconds: 3600 });
    add('ensemble', actual.slice(0, h), model.forecast(h).point, values);
    for (const [name, { forecast }] of Object.entries(model.memberForecasts(h))) add(name, actual.slice(0, h), forecast.point, values);
    opts.onSeries?.(i + 1, train.length);
  }
  const score = (name: string): M4Scores => {
    const a = sums.get(name)!;
    const s = a.smape / a.n;
    const q = a.mase / a.n;
    return { smape: s, mase: q, owa: owa(s, q) };
  };
  const perModel: Record<string, M4Scores> = {};
  for (const name of sums.keys()) if (name !== 'ensemble' && sums.get(name)!.n === train.length) perModel[name] = score(name);
  return { series: train.length, ...score('ensemble'), perModel, seconds: (performance.now() - t0) / 1000 };
}

import { describe, expect, it } from 'vitest';
import { FoldInput, backtest, backtestFold, backtestSuite, foldOrigins } from '../../models/backtest';
import { FittedModel, Forecaster, QUANTILE_LEVELS } from '../../models/contract';
import { seasonalSeries } from './synthetic';

/** Last value as the forecast, with a fixed ±1.5 band: every number below can be checked by hand. */
const lastValue: Forecaster = {
  name: 'lastValue',
  async fit(values) {
    const last = values[values.length - 1];
    const model: FittedModel = {
      name: 'lastValue',
      forecast(h) {
        const point = new Array(h).fill(last);
        const quantiles = Object.fromEntries(QUANTILE_LEVELS.map((l) => [l, point.map((p) => p + (l === 'p05' ? -1.5 : l === 'p50' ? 0 : 1.5))]));
        return { model: 'lastValue', horizon: h, point, quantiles: quantiles as never };
      },
      serialize: () => ({ model: 'lastValue', version: 1, state: last }),
      describe: () => 'last value',
    };
    return model;
  },
  deserialize: () => {
    throw new Error('not needed');
  },
};

describe('backtest protocol', () => {
  it('places origins at T − h·(F − f)', () => {
    expect(foldOrigins(100, 10, 5)).toEqual([50, 60, 70, 80, 90]);
    expect(() => foldOrigins(20, 10, 5)).toThrow(/too short for 5 folds.*--folds/);
  });

  it('matches a hand computation on y = 1…10, h = 2, F = 2, m = 1', async () => {
    const y = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const r = await backtest(y, lastValue, { horizon: 2, season: 1, folds: 2 });
    // Fold 0: train 1..6, forecast 6,6 vs 7,8. Fold 1: train 1..8, forecast 8,8 vs 9,10.
    expect(r.folds.map((f) => f.origin)).toEqual([6, 8]);
    // |errors| 1,2 in each fold, MAE 1.5; in-sample |y_t − y_{t−1}| = 1 → MASE 1.5 per fold.
    expect(r.mase).toBeCloseTo(1.5, 12);
    expect(r.smape).toBeCloseTo((200 / 13 + 400 / 14 + 200 / 17 + 400 / 18) / 4, 12);
    expect(r.mape).toBeCloseTo((100 / 7 + 200 / 8 + 100 / 9 + 200 / 10) / 4, 12);
    // The ±1.5 band holds the error of 1 and misses the error of 2 in each fold.
    expect(r.coverage90).toBe(0.5);
    expect(r.fitMs).toBeGreaterThanOrEqual(0);
    expect(r.forecastMs).toBeGreaterThanOrEqual(0);
  });

  it('scales MASE by each fold’s own training part with seasonal lag m', async () => {
    // Period-2 pattern plus a jump: the scale differs per fold, so folds must not share it.
    const y = [0, 4, 0, 4, 0, 4, 1, 5, 1, 5, 9, 9];
    const r = await backtest(y, lastValue, { horizon: 2, season: 2, folds: 2 });
    // Fold 0 (origin 8): train [0,4,0,4,0,4,1,5], lag-2 diffs 0,0,0,0,1,1 → scale 1/3; forecast 5,5 vs 1,5 → MAE 2 → MASE 6.
    // Fold 1 (origin 10): train adds 1,5 → diffs 0,0,0,0,1,1,0,0 → scale 1/4; forecast 5,5 vs 9,9 → MAE 4 → MASE 16.
    expect(r.folds.map((f) => f.mase)).toEqual([6, 16].map((v) => expect.closeTo(v, 10)));
    expect(r.mase).toBeCloseTo(11, 10);
  });

  it('reports every model, naive and seasonalNaive included, and the ensemble', async () => {
    const y = seasonalSeries(24 * 12, { seed: 3 });
    const r = await backtestSuite(y, { horizon: 6, season: 24, folds: 3, models: ['ewma'], fitOptions: { seasons: [24] } });
    expect(Object.keys(r.models).sort()).toEqual(['ewma', 'naive', 'seasonalNaive']);
    for (const s of [...Object.values(r.models), r.ensemble]) {
      for (const k of ['mape', 'smape', 'mase', 'coverage90', 'fitMs', 'forecastMs'] as const) expect(Number.isFinite(s[k])).toBe(true);
    }
    // A clean daily cycle: seasonal naive beats naive, and the ensemble is not worse than naive.
    expect(r.models.seasonalNaive.mase).toBeLessThan(r.models.naive.mase);
    expect(r.ensemble.mase).toBeLessThan(r.models.naive.mase);
  });

  it('assembles folds in fold order whatever order another executor finishes them in', async () => {
    const y = seasonalSeries(24 * 12, { seed: 5 });
    const opts = { horizon: 6, season: 24, folds: 3, models: ['ewma'], fitOptions: { seasons: [24] } };
    const sequential = await backtestSuite(y, opts);
    const finished: number[] = [];
    const runFold = async (input: FoldInput) => {
      // The first fold (shortest training part) finishes last.
      await new Promise((r) => setTimeout(r, 2 * (y.length - input.train.length)));
      finished.push(input.train.length);
      return backtestFold(input);
    };
    const parallel = await backtestSuite(y, { ...opts, runFold });
    expect(finished).toEqual([...sequential.origins].reverse());
    const scores = (r: typeof sequential) => Object.fromEntries(Object.entries({ ...r.models, ensemble: r.ensemble }).map(([k, v]) => [k, [v.mase, v.smape, v.mape, v.coverage90]]));
    expect(scores(parallel)).toEqual(scores(sequential));
    expect(parallel.weights).toEqual(sequential.weights);
    expect(Object.keys(parallel.models)).toEqual(Object.keys(sequential.models));
  });
});

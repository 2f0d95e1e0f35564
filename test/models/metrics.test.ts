import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readM4 } from '../../models/data/m4';
import { M4_HOURLY_NAIVE2, coverage, mape, mase, maseScale, owa, smape } from '../../models/metrics';

// The shared data sits next to the repository (../shared/data); KINETIC_DATA overrides it.
const m4Dir = resolve(process.env.KINETIC_DATA ?? resolve(__dirname, '../../../shared/data'), 'm4');

describe('metrics', () => {
  it('follows the M4 definitions on a hand-computed example', () => {
    const y = [10, 20, 0, 40];
    const f = [12, 20, 0, 30];
    // sMAPE: 200·2/22, 0, 0 (both zero), 200·10/70 → mean.
    expect(smape(y, f)).toBeCloseTo((400 / 22 + 2000 / 70) / 4, 10);
    // MAPE skips the zero actual: (20% + 0 + 25%) / 3.
    expect(mape(y, f)).toBeCloseTo(15, 10);
    // MASE scale with m = 2 over [1, 2, 4, 8]: (|4−1| + |8−2|)/2 = 4.5; MAE = 12/4 = 3.
    expect(maseScale([1, 2, 4, 8], 2)).toBe(4.5);
    expect(mase(y, f, [1, 2, 4, 8], 2)).toBeCloseTo(3 / 4.5, 10);
    expect(coverage([1, 2, 3], [0, 2.5, 3], [1, 3, 4])).toBeCloseTo(2 / 3, 10);
    expect(owa(M4_HOURLY_NAIVE2.smape, M4_HOURLY_NAIVE2.mase)).toBeCloseTo(1, 12);
  });

  it('reproduces the published M4 Hourly seasonal naive and Naive1 scores', () => {
    const train = readM4(`${m4Dir}/Hourly-train.csv`);
    const test = new Map(readM4(`${m4Dir}/Hourly-test.csv`).map((s) => [s.id, s.values]));
    expect(train).toHaveLength(414);
    const acc = { snS: 0, snM: 0, n1S: 0, n1M: 0 };
    for (const { id, values } of train) {
      const actual = test.get(id)!.slice(0, 48);
      const n = values.length;
      const seasonal = actual.map((_, j) => values[n - 24 + (j % 24)]);
      const naive1 = actual.map(() => values[n - 1]);
      acc.snS += smape(actual, seasonal);
      acc.snM += mase(actual, seasonal, values, 24);
      acc.n1S += smape(actual, naive1);
      acc.n1M += mase(actual, naive1, values, 24);
    }
    expect((acc.snS / 414).toFixed(3)).toBe('13.912');
    expect((acc.snM / 414).toFixed(3)).toBe('1.193');
    expect((acc.n1S / 414).toFixed(3)).toBe('43.003');
    expect((acc.n1M / 414).toFixed(3)).toBe('11.608');
  });
});

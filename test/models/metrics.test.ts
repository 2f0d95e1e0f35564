import { describe, expect, it } from 'vitest';
import { M4_HOURLY_NAIVE2, coverage, mape, mase, maseScale, owa, smape } from '../../models/metrics';

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
});

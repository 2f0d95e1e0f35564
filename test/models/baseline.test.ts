import { describe, it } from 'vitest';
import { seasonalNaiveBaseline } from '../../models/baseline';
import { expectSaneForecast } from './synthetic';

describe('seasonal-naive baseline', () => {
  it('keeps quantiles ordered when every residual has the same sign (the median would cross P90)', async () => {
    // Strictly falling history: every one-step residual is negative, so P90 < point.
    const model = await seasonalNaiveBaseline.fit([90, 80, 70, 60, 50, 40, 30, 25, 20, 18, 16, 15, 14, 13], { seasons: [1] });
    expectSaneForecast(model.forecast(4), 4);
  });
});

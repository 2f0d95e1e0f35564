import { describe, expect, it } from 'vitest';
import { FittedModel, Forecaster, QUANTILE_LEVELS } from '../../models/contract';
import { conformalForecaster } from '../../models/conformal';
import { seasonalSeries } from './synthetic';

/** Seasonal naive point forecast with absurdly narrow ±0.1 bands: the worst case to calibrate. */
const overconfident: Forecaster = {
  name: 'overconfident',
  async fit(values) {
    const tail = values.slice(-24);
    const model: FittedModel = {
      name: 'overconfident',
      forecast(h) {
        const point = Array.from({ length: h }, (_, j) => tail[j % 24]);
        const quantiles = Object.fromEntries(QUANTILE_LEVELS.map((l) => [l, point.map((p) => p + (l === 'p50' ? 0 : l === 'p05' ? -0.1 : 0.1))]));
        return { model: 'overconfident', horizon: h, point, quantiles: quantiles as never };
      },
      serialize: () => ({ model: 'overconfident', version: 1, state: tail }),
      describe: () => 'test stub',
    };
    return model;
  },
  deserialize: () => {
    throw new Error('unused');
  },
};

async function outOfSampleCoverage(f: Forecaster, y: number[], h: number, evalOrigins: number): Promise<number> {
  let inside = 0;
  let n = 0;
  for (let k = evalOrigins; k >= 1; k--) {
    const origin = y.length - k * h;
    const model = await f.fit(y.slice(0, origin), { horizon: h, seasons: [24] });
    const fc = model.forecast(h);
    for (let j = 0; j < h; j++) {
      const v = y[origin + j];
      if (v >= fc.quantiles.p05[j] && v <= fc.quantiles.p95[j]) inside++;
      n++;
    }
  }
  return inside / n;
}

describe('conformal calibration', () => {
  it('brings the central 90% interval to ~90% out-of-sample coverage on known Gaussian noise', async () => {
    const h = 6;
    const y = seasonalSeries(24 * 60, { sd: 2, seed: 11 });
    const raw = await outOfSampleCoverage(overconfident, y, h, 60);
    const calibrated = await outOfSampleCoverage(conformalForecaster(overconfident, { origins: 40, stride: 3 }), y, h, 60);
    expect(raw).toBeLessThan(0.2);
    expect(Math.abs(calibrated - 0.9)).toBeLessThanOrEqual(0.05);
  });

  it('keeps quantiles ordered and round-trips through JSON', async () => {
    const f = conformalForecaster(overconfident, { origins: 20 });
    const y = seasonalSeries(24 * 20, { seed: 5 });
    const model = await f.fit(y, { horizon: 12 });
    const fc = model.forecast(30);
    for (let j = 0; j < 30; j++) {
      const q = QUANTILE_LEVELS.map((l) => fc.quantiles[l][j]);
      expect([...q].sort((a, b) => a - b)).toEqual(q);
    }
    expect(fc.quantiles.p95[29] - fc.quantiles.p05[29]).toBeGreaterThan(fc.quantiles.p95[0] - fc.quantiles.p05[0] - 1e-9);
    expect(model.serialize().model).toBe('conformal:overconfident');
  });
});

import { describe, expect, it } from 'vitest';
import { M4SeriesInput, forecastM4Series, scoreM4 } from '../../models/m4';
import { mase, smape } from '../../models/metrics';
import { naive2 } from '../../models/naive2';
import { seasonalSeries } from './synthetic';

const train = [1, 2, 3].map((k) => ({ id: `H${k}`, values: seasonalSeries(24 * 8, { seed: k, level: 40 + 10 * k }) }));
const test = new Map(train.map(({ id }, k) => [id, seasonalSeries(48, { seed: 20 + k, level: 50 + 10 * k })]));
const ensemble = { models: ['naive', 'seasonalNaive'] };

describe('scoreM4', () => {
  it('scores OWA against Naive2 on the scored series themselves', async () => {
    const r = await scoreM4(train, test, { ensemble });
    let s = 0;
    let q = 0;
    for (const { id, values } of train) {
      const f = naive2(values, 24, 48).forecast;
      s += smape(test.get(id)!, f);
      q += mase(test.get(id)!, f, values, 24);
    }
    expect(r.naive2.smape).toBeCloseTo(s / 3, 10);
    expect(r.naive2.mase).toBeCloseTo(q / 3, 10);
    expect(r.owa).toBeCloseTo((r.smape / r.naive2.smape + r.mase / r.naive2.mase) / 2, 12);
    expect(r.perModel.naive.owa).toBeCloseTo((r.perModel.naive.smape / r.naive2.smape + r.perModel.naive.mase / r.naive2.mase) / 2, 12);
  });

  it('gives the same scores when series finish out of order on another executor', async () => {
    const sequential = await scoreM4(train, test, { ensemble });
    const seen: number[] = [];
    // Later series finish first: results must still be summed in series order.
    const runSeries = async (input: M4SeriesInput) => {
      const k = train.findIndex((t) => t.values === input.values);
      await new Promise((r) => setTimeout(r, 30 * (train.length - k)));
      seen.push(k);
      return forecastM4Series(input);
    };
    const parallel = await scoreM4(train, test, { ensemble, runSeries });
    expect(seen).toEqual([2, 1, 0]);
    const { seconds: _a, ...a } = sequential;
    const { seconds: _b, ...b } = parallel;
    expect(b).toEqual(a);
  });
});

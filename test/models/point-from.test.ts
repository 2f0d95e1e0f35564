import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../models/random';
import { getForecaster } from '../../models/registry';

/** Five days of a daily shape (period 48) with seeded noise. */
const rand = mulberry32(11);
const values = Array.from({ length: 240 }, (_, t) => 50 + 20 * Math.sin((2 * Math.PI * t) / 48) + 4 * rand());

describe('pointFrom: the cheap point path the planner calls at every step', () => {
  for (const name of ['naive', 'seasonalNaive', 'ewma', 'ets', 'prophet']) {
    it(`${name}: from the fitted series it is the model's own point forecast`, async () => {
      const m = await getForecaster(name).fit(values, { seasons: [48], stepSeconds: 1800, seed: 1 });
      const own = m.forecast(12).point;
      const cheap = m.pointFrom!(values, 12, 0);
      cheap.forEach((v, j) => expect(v).toBeCloseTo(own[j], 6));
    });
  }

  it('seasonalNaive and ets follow new data without a refit; prophet is placed by its start offset', async () => {
    const more = [...values, ...values.slice(0, 48).map((v) => v + 30)]; // a day one level higher
    const snaive = await getForecaster('seasonalNaive').fit(values, { seasons: [48] });
    expect(snaive.pointFrom!(more, 3)).toEqual(more.slice(more.length - 48, more.length - 45));
    // A window that starts mid-cycle (index 37) keeps the seasonal phase: same path within the noise.
    const ets = await getForecaster('ets').fit(values, { seasons: [48] });
    const shifted = ets.pointFrom!(values.slice(37), 12);
    ets.forecast(12).point.forEach((v, j) => expect(Math.abs(shifted[j] - v)).toBeLessThan(4));
    const prophet = await getForecaster('prophet').fit(values, { stepSeconds: 1800 });
    // The last 48 values of the fitted series start at index 192: their path is the model's own forecast.
    const placed = prophet.pointFrom!(values.slice(192), 5, 192);
    placed.forEach((v, j) => expect(v).toBeCloseTo(prophet.forecast(5).point[j], 6));
  });

  it('pointStepper: pushing new values gives what pointFrom gives on the longer history', async () => {
    const more = [...values, ...values.slice(0, 60).map((v) => v + 7)];
    for (const name of ['naive', 'seasonalNaive', 'ewma', 'prophet']) {
      const m = await getForecaster(name).fit(values, { seasons: [48], stepSeconds: 1800, seed: 1 });
      const stepper = m.pointStepper!(values, 0);
      for (let i = values.length; i < more.length; i++) stepper.push(more[i]);
      const direct = m.pointFrom!(more, 6, 0);
      stepper.path(6).forEach((v, j) => expect(v, name).toBeCloseTo(direct[j], 9));
    }
    // ETS: the stepper keeps filtering from its first window, pointFrom re-initialises on its own; the
    // states differ only by how the filter was started, which the fitted smoothing has long forgotten.
    const ets = await getForecaster('ets').fit(values, { seasons: [48] });
    const stepper = ets.pointStepper!(values.slice(-144));
    for (let i = values.length; i < more.length; i++) stepper.push(more[i]);
    const direct = ets.pointFrom!(more.slice(-144 - 60), 6);
    stepper.path(6).forEach((v, j) => expect(Math.abs(v - direct[j])).toBeLessThan(2));
  });
});

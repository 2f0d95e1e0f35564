import { describe, expect, it } from 'vitest';
import { createDeps } from '../../activities/deps';
import { reweightActivities } from '../../activities/reweight';
import type { MetricSeries, MetricsSource } from '../../metrics/contract';
import { forecastAccuracy } from '../../observability/forecast-accuracy';
import { kineticMetrics } from '../../observability/metrics';
import { FilePredictionStore } from '../../store/prediction-store';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';

const STEP = 60_000;

describe('forecast accuracy from realised demand', () => {
  it('scores MAPE, MASE and P90 coverage per model and for the ensemble', () => {
    const points = [
      { actual: 100, predicted: { a: 110, ensemble: 100 }, p90Peak: 150 },
      { actual: 200, predicted: { a: 180, ensemble: 200 }, p90Peak: 150 },
    ];
    // Realised 100, 200, 150: one-step naive error (100 + 50) / 2 = 75; model a's MAE is 15.
    const acc = forecastAccuracy('svc', points, [100, 200, 150]);
    expect(acc.mape.a).toBeCloseTo((10 / 100 + 20 / 200) / 2);
    expect(acc.mape.ensemble).toBe(0);
    expect(acc.mase.a).toBeCloseTo(15 / 75);
    expect(acc.p90Coverage).toBe(0.5);
    expect(acc.points).toBe(2);
  });

  it('leaves MASE undefined when the realised series is flat (no naive error to scale by)', () => {
    const acc = forecastAccuracy('svc', [{ actual: 100, predicted: { a: 90 }, p90Peak: 120 }], [100, 100, 100]);
    expect(acc.mase.a).toBeNaN();
    expect(acc.mape.a).toBeCloseTo(0.1);
  });

  it('the reweight activity exports the error of the predictions it scored', async () => {
    const sb = createSandbox();
    sb.writeConfig({ accweb: serviceConfig(sb.csv('accweb', flat(10)), { learning: { models: ['low', 'right', 'high'] } }) });
    const demand100: MetricsSource = {
      kind: 'test',
      async range(_s, _m, start: Date, end: Date, stepSeconds: number): Promise<MetricSeries> {
        const n = Math.floor((end.getTime() - start.getTime()) / (stepSeconds * 1000)) + 1;
        return { start: start.getTime(), stepSeconds, values: Array.from({ length: n }, () => 100), gaps: [] };
      },
    };
    const madeAt = Date.now() - 10 * STEP;
    await new FilePredictionStore(sb.stateRoot).append({
      id: 'accweb-1',
      service: 'accweb',
      decisionId: 'accweb-1',
      madeAt,
      stepSeconds: 60,
      targets: [1, 2, 3].map((j) => madeAt + j * STEP),
      perModel: { low: [80, 80, 80], right: [100, 100, 100], high: [120, 120, 120] },
      ensemble: [100, 100, 100],
      weights: { low: 1 / 3, right: 1 / 3, high: 1 / 3 },
      weightsVersion: 0,
      peakP90: 95,
    });
    const acts = reweightActivities(createDeps({ configPath: sb.configPath, metrics: () => demand100 }));
    expect((await acts.reweightService({ service: 'accweb', sourceId: 'run-1' })).outcome).toBe('updated');

    const gauge = async (metric: typeof kineticMetrics.forecastMape) =>
      Object.fromEntries((await metric.get()).values.filter((v) => v.labels.service === 'accweb').map((v) => [v.labels.model ?? '', v.value]));
    expect(await gauge(kineticMetrics.forecastMape)).toEqual({ low: 0.2, right: 0, high: 0.2, ensemble: 0 });
    // Realised 100 sits above the stored P90 peak of 95 at every step.
    expect(await gauge(kineticMetrics.forecastCoverage)).toEqual({ '': 0 });
    const scored = (await kineticMetrics.forecastScoredPoints.get()).values.find((v) => v.labels.service === 'accweb');
    expect(scored?.value).toBe(3);
  });
});

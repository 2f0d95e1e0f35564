/**
 * Forecast error once realised demand arrives (reweighting scores stored predictions against it):
 * MAPE and MASE per model and for the ensemble decisions acted on, and how often realised demand
 * stayed at or below the forecast's P90 peak. Pure: points in, numbers out.
 */
import { mae, mape, maseScale } from '../models/metrics';
import type { PredictionRecord } from '../store/prediction-store';
import type { ForecastAccuracy } from './decision-metrics';

/** One forecast step whose time has passed, with its realised demand. */
export interface ScoredPoint {
  actual: number;
  /** Point forecast per model, plus `ensemble`. */
  predicted: Record<string, number>;
  /** The P90 peak of the forecast this step belongs to. */
  p90Peak: number;
}

/** The steps of `predictions` that are due by `now` and have realised demand. */
export function scoredPoints(predictions: readonly PredictionRecord[], realised: (t: number) => number, now: number): ScoredPoint[] {
  const out: ScoredPoint[] = [];
  for (const p of predictions) {
    p.targets.forEach((t, j) => {
      const actual = realised(t);
      if (t > now || !Number.isFinite(actual)) return;
      const predicted: Record<string, number> = { ensemble: p.ensemble[j] };
      for (const [m, path] of Object.entries(p.perModel)) predicted[m] = path[j];
      out.push({ actual, predicted, p90Peak: p.peakP90 });
    });
  }
  return out;
}

/**
 * MAPE as a ratio (over non-zero actuals), MASE scaled by the one-step naive error of the realised
 * series (NaN when that series is flat), and the share of points at or below their P90 peak.
 */
export function forecastAccuracy(service: string, points: readonly ScoredPoint[], realisedSeries: readonly number[]): ForecastAccuracy {
  const scale = maseScale(realisedSeries.filter(Number.isFinite), 1);
  const models = [...new Set(points.flatMap((p) => Object.keys(p.predicted)))].sort();
  const result: ForecastAccuracy = { service, mape: {}, mase: {}, p90Coverage: NaN, points: points.length };
  for (const model of models) {
    const pts = points.filter((p) => Number.isFinite(p.predicted[model]));
    if (pts.length === 0) continue;
    const actual = pts.map((p) => p.actual);
    const forecast = pts.map((p) => p.predicted[model]);
    result.mape[model] = mape(actual, forecast) / 100;
    result.mase[model] = scale > 0 ? mae(actual, forecast) / scale : NaN;
  }
  if (points.length) result.p90Coverage = points.filter((p) => p.actual <= p.p90Peak).length / points.length;
  return result;
}

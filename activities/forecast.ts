import { Context } from '@temporalio/activity';
import { MetricsInputError } from '../metrics/contract';
import { autoForecast } from '../models';
import { planningWindow } from '../planning/capacity';
import type { ForecastSummary } from '../workflows/decision-types';
import type { ActivityDeps } from './deps';
import type { DecisionContext } from './types';

/** Reads the service's recent demand and forecasts the planning window's peak quantiles. */
export function forecastActivities(deps: ActivityDeps) {
  return {
    async forecastDemand(input: { decisionId: string; context: DecisionContext }): Promise<ForecastSummary> {
      const { context } = input;
      const svc = deps.service(context.service);
      const step = svc.metrics.stepSeconds;
      const end = new Date();
      const start = new Date(end.getTime() - svc.metrics.historyPoints * step * 1000);
      const series = await deps.metrics(context.service).range(context.service, svc.metrics.metric, start, end, step);
      if (series.values.length < 2) {
        throw new MetricsInputError(`metrics for "${context.service}": ${series.values.length} points; at least 2 are needed to forecast`);
      }
      const missing = series.values.findIndex((v) => !Number.isFinite(v));
      if (missing >= 0) {
        throw new MetricsInputError(`metrics for "${context.service}": value ${missing} of ${series.values.length} is missing (NaN); fill the gap or shorten the window`);
      }
      const ctx = Context.current();
      if (!ctx.info.isLocal) ctx.heartbeat('fitting'); // local activities cannot heartbeat
      const window = planningWindow(context.leadSeconds, context.intervalSeconds, step);
      const result = await autoForecast(series.values, {
        horizon: window.horizon,
        seasons: svc.seasons.length ? svc.seasons : undefined,
        stepSeconds: step,
        models: svc.forecast.models,
        mode: svc.forecast.mode,
      });
      const fc = result.forecast;
      const peak = (q: number[]) => Math.max(...q.slice(window.fromStep, window.toStep));
      const weights = result.weights
        .filter((w) => w.weight > 0)
        .sort((a, b) => b.weight - a.weight)
        .map((w) => `${w.model} ${w.weight.toFixed(2)}`);
      return {
        model: `${svc.forecast.mode} ensemble (${weights.join(', ')})`,
        weights: result.weights.map((w) => ({ model: w.model, weight: w.weight, reason: w.reason })),
        metric: svc.metrics.metric,
        stepSeconds: step,
        historyPoints: series.values.length,
        lastObserved: series.values[series.values.length - 1],
        fromStep: window.fromStep,
        toStep: window.toStep,
        peakP50: peak(fc.quantiles.p50),
        peakP90: peak(fc.quantiles.p90),
        peakP99: peak(fc.quantiles.p99),
        coldStart: fc.coldStart ?? false,
        notes: [...(context.leadNote ? [context.leadNote] : []), ...(fc.notes ?? [])],
      };
    },
  };
}

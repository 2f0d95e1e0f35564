import { Context } from '@temporalio/activity';
import type { ServiceConfig } from '../config/schema';
import { MetricsInputError, type MetricSeries, type MetricsSource } from '../metrics/contract';
import { autoForecast } from '../models';
import { planningWindow } from '../planning/capacity';
import type { ForecastSummary } from '../decision/forecast';
import type { ActivityDeps } from './deps';
import type { DecisionContext } from '../decision/context';

type Window = ReturnType<typeof planningWindow>;

/** Reads the service's recent demand (and any extra capacity dimensions) and forecasts the planning window's peaks. */
export function forecastActivities(deps: ActivityDeps) {
  return {
    async forecastDemand(input: { decisionId: string; context: DecisionContext }): Promise<ForecastSummary> {
      const { context } = input;
      const svc = deps.service(context.service);
      const step = svc.metrics.stepSeconds;
      const series = await readHistory(deps.metrics(context.service), context.service, svc.metrics, `metrics for "${context.service}"`);
      const ctx = Context.current();
      if (!ctx.info.isLocal) ctx.heartbeat('fitting'); // local activities cannot heartbeat
      const window = planningWindow(context.leadSeconds, context.intervalSeconds, step);
      const main = await forecastPeaks(series, svc, window);

      // Other dimensions (cpu, memory) and per-region demand: the same window, each in its own step.
      const extra = async (kind: 'dimensionMetrics' | 'regionMetrics') => {
        const out: NonNullable<ForecastSummary['dimensions']> = {};
        for (const [name, m] of Object.entries(svc[kind] ?? {})) {
          const s = await readHistory(deps.extraMetrics(context.service, kind, name), context.service, m, `${kind}.${name} of "${context.service}"`);
          const f = await forecastPeaks(s, svc, planningWindow(context.leadSeconds, context.intervalSeconds, m.stepSeconds));
          out[name] = { metric: m.metric, historyPoints: s.values.length, model: f.model, peakP50: f.peakP50, peakP90: f.peakP90, peakP99: f.peakP99 };
        }
        return out;
      };
      const dimensions = await extra('dimensionMetrics');
      const regions = await extra('regionMetrics');
      return {
        model: main.model,
        weights: main.weights,
        metric: svc.metrics.metric,
        stepSeconds: step,
        historyPoints: series.values.length,
        lastObserved: series.values[series.values.length - 1],
        fromStep: window.fromStep,
        toStep: window.toStep,
        peakP50: main.peakP50,
        peakP90: main.peakP90,
        peakP99: main.peakP99,
        coldStart: main.coldStart,
        notes: [...(context.leadNote ? [context.leadNote] : []), ...main.notes],
        ...(Object.keys(dimensions).length ? { dimensions } : {}),
        ...(Object.keys(regions).length ? { regions } : {}),
      };
    },
  };
}

async function readHistory(source: MetricsSource, service: string, m: ServiceConfig['metrics'], what: string): Promise<MetricSeries> {
  const end = new Date();
  const start = new Date(end.getTime() - m.historyPoints * m.stepSeconds * 1000);
  const series = await source.range(service, m.metric, start, end, m.stepSeconds);
  if (series.values.length < 2) throw new MetricsInputError(`${what}: ${series.values.length} points; at least 2 are needed to forecast`);
  const missing = series.values.findIndex((v) => !Number.isFinite(v));
  if (missing >= 0) {
    throw new MetricsInputError(`${what}: value ${missing} of ${series.values.length} is missing (NaN); fill the gap or shorten the window`);
  }
  return series;
}

async function forecastPeaks(series: MetricSeries, svc: ServiceConfig, window: Window) {
  const result = await autoForecast(series.values, {
    horizon: window.horizon,
    seasons: svc.seasons.length ? svc.seasons : undefined,
    stepSeconds: series.stepSeconds,
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
    peakP50: peak(fc.quantiles.p50),
    peakP90: peak(fc.quantiles.p90),
    peakP99: peak(fc.quantiles.p99),
    coldStart: fc.coldStart ?? false,
    notes: fc.notes ?? [],
  };
}

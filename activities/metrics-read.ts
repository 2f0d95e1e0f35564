import type { ServiceConfig } from '../config/schema';
import { MetricsInputError, type MetricSeries, type MetricsSource } from '../metrics/contract';
import { judgeStaleness, maxStalenessSeconds } from '../planning/staleness';

/** Metrics whose newest sample is older than `metrics.maxStaleness`: the decision ends, nothing is planned on them. */
export class StaleMetricsError extends MetricsInputError {
  constructor(message: string) {
    super(message);
    this.name = 'StaleMetricsError';
  }
}

/**
 * A forecast's history: `historyPoints` steps up to `now`, checked before any planning — at least 2
 * points, none negative, not all missing, and (sources with real time: Prometheus, local pool) a
 * newest sample no older than `metrics.maxStaleness`. CSV replay's last row is "now": never stale.
 */
export async function readHistory(source: MetricsSource, service: string, m: ServiceConfig['metrics'], what: string, now: number): Promise<MetricSeries> {
  const end = new Date(now);
  const start = new Date(end.getTime() - m.historyPoints * m.stepSeconds * 1000);
  const series = await source.range(service, m.metric, start, end, m.stepSeconds);
  if (series.values.length < 2) throw new MetricsInputError(`${what}: ${series.values.length} points; at least 2 are needed to forecast`);
  const negative = series.values.findIndex((v) => v < 0);
  if (negative >= 0) throw new MetricsInputError(`${what}: value ${negative} of ${series.values.length} is negative (${series.values[negative]}); demand must be >= 0`);
  // Missing samples are allowed (the planner treats them as missing, not as zero demand), but not all of them.
  if (!series.values.some(Number.isFinite)) {
    throw new MetricsInputError(`${what}: all ${series.values.length} values in the window are missing; check that the source is collecting`);
  }
  if (m.source !== 'csv') {
    const verdict = judgeStaleness(newestSampleAt(series), now, maxStalenessSeconds(m.stepSeconds, m.maxStaleness));
    if (verdict.stale) {
      throw new StaleMetricsError(`stale metrics: ${what}: ${verdict.reason}; no plan is made on stale data (check that ${m.source} still collects, or raise metrics.maxStaleness)`);
    }
  }
  return series;
}

/** Epoch ms of the newest finite sample, undefined when there is none. */
export function newestSampleAt(series: MetricSeries): number | undefined {
  for (let i = series.values.length - 1; i >= 0; i--) {
    if (Number.isFinite(series.values[i])) return series.start + i * series.stepSeconds * 1000;
  }
  return undefined;
}

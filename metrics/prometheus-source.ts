import { MetricGap, MetricSeries, MetricsInputError, MetricsSource } from './contract';

/**
 * Prometheus HTTP API: `/api/v1/query_range`. The configured PromQL may name the service as
 * `$service` (replaced before the call). Several result series (e.g. one per pod) are summed —
 * demand is the service's total. Steps Prometheus has no sample for are NaN and listed as gaps.
 * A query whose newest range returns no series (or fewer than `minSeries`) is an error naming the
 * query, never a silent zero or undercount; a negative sample is an error naming its series.
 */

export interface PrometheusSourceOptions {
  url: string;
  query: string;
  /** The query returns at least this many series (e.g. one per pod); fewer is an error, not an undercount. */
  minSeries?: number;
  timeoutMs?: number;
}

interface QueryRangeResponse {
  status: 'success' | 'error';
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> };
}

/** Prometheus refuses queries of more than 11,000 points per series. */
const MAX_POINTS_PER_QUERY = 10_000;

export class PrometheusMetricsSource implements MetricsSource {
  readonly kind = 'prometheus';
  constructor(private readonly opts: PrometheusSourceOptions) {}

  async range(service: string, _metric: string, start: Date, end: Date, stepSeconds: number): Promise<MetricSeries> {
    // Align to the step grid so consecutive reads see the same timestamps.
    const startS = Math.ceil(start.getTime() / 1000 / stepSeconds) * stepSeconds;
    const endS = Math.floor(end.getTime() / 1000 / stepSeconds) * stepSeconds;
    if (endS < startS) return { start: startS * 1000, stepSeconds, values: [], gaps: [] };
    const query = this.opts.query.replace(/\$service\b/g, service);
    const n = Math.floor((endS - startS) / stepSeconds) + 1;
    const values = new Array<number>(n).fill(NaN);
    // Prometheus refuses more than 11,000 points per series in one query: ask in chunks.
    let newest = 0;
    for (let from = 0; from < n; from += MAX_POINTS_PER_QUERY) {
      const to = Math.min(n, from + MAX_POINTS_PER_QUERY) - 1;
      const result = await this.queryRange(query, startS + from * stepSeconds, startS + to * stepSeconds, stepSeconds);
      newest = result.length; // the last chunk is the newest range
      for (const series of result) {
        for (const [ts, raw] of series.values) {
          const i = Math.round((ts - startS) / stepSeconds);
          const v = Number(raw);
          if (i < 0 || i >= n || !Number.isFinite(v)) continue;
          if (v < 0) {
            throw new MetricsInputError(`prometheus: query "${query}" returned ${v} for series ${labels(series.metric)} at ${new Date(ts * 1000).toISOString()}; demand cannot be negative: fix metrics.query (e.g. rate() of a counter, not a difference)`);
          }
          values[i] = Number.isFinite(values[i]) ? values[i] + v : v;
        }
      }
    }
    const min = this.opts.minSeries ?? 1;
    if (newest < min) {
      throw new MetricsInputError(
        newest === 0
          ? `prometheus ${this.opts.url}: query "${query}" returned no series for the newest ${Math.min(n, MAX_POINTS_PER_QUERY)} steps; check metrics.query's metric name and labels (and that Prometheus scrapes the target: /targets)`
          : `prometheus ${this.opts.url}: query "${query}" returned ${newest} series, fewer than metrics.minSeries ${min}; a target is missing (check Prometheus /targets), or lower metrics.minSeries`,
      );
    }
    return { start: startS * 1000, stepSeconds, values, gaps: gapsOf(values) };
  }

  private async queryRange(query: string, startS: number, endS: number, stepSeconds: number) {
    const url = new URL('api/v1/query_range', this.opts.url.endsWith('/') ? this.opts.url : `${this.opts.url}/`);
    url.search = new URLSearchParams({ query, start: String(startS), end: String(endS), step: `${stepSeconds}s` }).toString();
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(this.opts.timeoutMs ?? 15_000) });
    } catch (e) {
      // Network trouble is retryable: a plain Error.
      throw new Error(`prometheus ${this.opts.url}: ${(e as Error).message}`);
    }
    const body = (await res.json().catch(() => undefined)) as QueryRangeResponse | undefined;
    if (res.ok && (!body || typeof body !== 'object' || !('status' in body))) {
      // A 2xx that is not Prometheus' JSON: the URL points at something else (a UI, a proxy page).
      throw new MetricsInputError(`prometheus ${this.opts.url}: query_range answered HTTP ${res.status} without Prometheus JSON; check metrics.url in kinetic.yaml (the Prometheus server, e.g. http://prometheus:9090)`);
    }
    if (!res.ok || !body || body.status !== 'success' || !body.data) {
      const msg = `prometheus ${this.opts.url}: query_range "${query}" failed (HTTP ${res.status}${body?.error ? `: ${body.errorType} ${body.error}` : ''})`;
      if (res.status === 400 || res.status === 422) throw new MetricsInputError(`${msg}; check metrics.query in kinetic.yaml`);
      throw new Error(msg);
    }
    if (body.data.resultType !== 'matrix') throw new MetricsInputError(`prometheus: query "${query}" returned ${body.data.resultType}, not a range vector; metrics.query in kinetic.yaml must select time series (e.g. rate(http_requests_total[1m]))`);
    return body.data.result;
  }
}

function labels(metric: Record<string, string>): string {
  return `{${Object.entries(metric).map(([k, v]) => `${k}="${v}"`).join(', ')}}`;
}

export function gapsOf(values: readonly number[]): MetricGap[] {
  const gaps: MetricGap[] = [];
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) continue;
    const last = gaps[gaps.length - 1];
    if (last && last.index + last.length === i) last.length++;
    else gaps.push({ index: i, length: 1 });
  }
  return gaps;
}

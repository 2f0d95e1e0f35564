import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHistory, StaleMetricsError } from '../../activities/metrics-read';
import type { MetricsConfig } from '../../config/schema';
import { createMetricsSource } from '../../metrics';
import { MetricsInputError } from '../../metrics/contract';
import { PrometheusLab, startPrometheusLab, waitFor } from '../helpers/prometheus';

/**
 * Metrics faults against a real Prometheus scraping two real sample services every second: one
 * stays up (`live-faults`), one is stopped after it was scraped (`gone-faults`, its series ends).
 */

let lab: PrometheusLab;
let promUrl = '';

const prom = (query: string, extra: Partial<MetricsConfig> = {}): MetricsConfig =>
  ({ source: 'prometheus', url: promUrl, query, metric: 'rps', stepSeconds: 1, historyPoints: 30, ...extra }) as MetricsConfig;

const read = (m: MetricsConfig, service: string) => readHistory(createMetricsSource(m), service, m, `metrics for "${service}"`, Date.now());

beforeAll(async () => {
  lab = await startPrometheusLab(['live-faults', 'gone-faults']);
  promUrl = lab.url;
  // Both counters scraped a few times, then the second service stops: its series ends there.
  const counter = (job: string) => prom(`sum(sample_http_requests_total{job="${job}"})`);
  for (const j of ['live-faults', 'gone-faults']) {
    await waitFor(`scrapes of ${j}`, async () => (await createMetricsSource(counter(j)).range(j, 'rps', new Date(Date.now() - 20_000), new Date(), 1)).values.filter(Number.isFinite).length >= 3);
  }
  lab.samples['gone-faults'].proc.kill('SIGTERM');
}, 90_000);

afterAll(() => lab?.stop());

describe('metrics faults (real Prometheus)', () => {
  it('a series that stopped is stale after maxStaleness (default 3 steps): a named error, no plan; a live one is fresh', async () => {
    const m = prom('sum(sample_http_requests_total{job="$service"})');
    await new Promise((r) => setTimeout(r, 5_000)); // > 3 steps of 1 s since the last scrape of the stopped service
    const err = await read(m, 'gone-faults').catch((e: Error) => e);
    expect(err).toBeInstanceOf(StaleMetricsError);
    expect(err).toBeInstanceOf(MetricsInputError); // non-retryable: the decision ends `stale-metrics` with this reason
    expect((err as Error).message).toMatch(/^stale metrics: metrics for "gone-faults": newest sample at \S+ is \d+(\.\d)?s old, more than metrics\.maxStaleness 3s/);
    const fresh = await read(m, 'live-faults');
    expect(fresh.values.filter(Number.isFinite).length).toBeGreaterThan(2);
    // A longer configured limit accepts the same history.
    await expect(read({ ...m, maxStaleness: 600 } as MetricsConfig, 'gone-faults')).resolves.toBeDefined();
  }, 30_000);

  it('a query with no series is an error naming the query and the fix, not "missing data"', async () => {
    const err = await read(prom('sum(sample_http_requests_total{job="$service"})'), 'no-such-faults').catch((e: Error) => e);
    expect(err).toBeInstanceOf(MetricsInputError);
    expect((err as Error).message).toMatch(/query "sum\(sample_http_requests_total\{job="no-such-faults"\}\)" returned no series .*check metrics\.query's metric name and labels/);
  });

  it('fewer series than metrics.minSeries is an error, not a silent undercount', async () => {
    const err = await read(prom('up{job="$service"}', { minSeries: 2 }), 'live-faults').catch((e: Error) => e);
    expect(err).toBeInstanceOf(MetricsInputError);
    expect((err as Error).message).toMatch(/query "up\{job="live-faults"\}" returned 1 series, fewer than metrics\.minSeries 2/);
    await expect(read(prom('up{job="$service"}', { minSeries: 1 }), 'live-faults')).resolves.toBeDefined();
  });

  it('a negative sample is an error naming the series and the fix', async () => {
    const err = await read(prom('-1 * up{job="$service"}'), 'live-faults').catch((e: Error) => e);
    expect(err).toBeInstanceOf(MetricsInputError);
    expect((err as Error).message).toMatch(/returned -1 for series \{.*job="live-faults".*\} at .*; demand cannot be negative: fix metrics\.query/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsSource } from '../../metrics';
import { FileAuditLog } from '../../store/audit';
import { PrometheusLab, startPrometheusLab, waitFor } from '../helpers/prometheus';
import { createSandbox, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';

/**
 * Stale metrics through the saga: a real Prometheus scraped a real sample service that then
 * stopped, so the newest sample gets older than `metrics.maxStaleness` (default 3 steps of 1 s).
 */

let t: TestTemporal;
let lab: PrometheusLab;
const QUERY = 'sum(sample_http_requests_total{job="stale-src"})';

beforeAll(async () => {
  t = await connectTestTemporal();
  lab = await startPrometheusLab(['stale-src']);
  const source = createMetricsSource({ source: 'prometheus', url: lab.url, query: QUERY, metric: 'rps', stepSeconds: 1, historyPoints: 30 });
  await waitFor('scrapes of stale-src', async () => (await source.range('x', 'rps', new Date(Date.now() - 20_000), new Date(), 1)).values.filter(Number.isFinite).length >= 3);
  lab.samples['stale-src'].proc.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 5_000)); // more than 3 steps since the last scrape
}, 90_000);
afterAll(async () => {
  lab?.stop();
  await t?.close();
});

const prometheus = () => ({ source: 'prometheus', url: lab.url, query: QUERY, stepSeconds: 1, historyPoints: 60 });

describe('stale metrics through the saga (real Prometheus, real dev server)', () => {
  it('ends the decision failed with a "stale metrics" reason in numbers; nothing is planned or changed', async () => {
    const service = 'stale-saga';
    const sb = createSandbox();
    sb.writeConfig({ [service]: serviceConfig('unused.csv', { metrics: prometheus(), provisioner: { type: 'dry-run', initialInstances: 4 } }) });
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision(service, { timeouts: FAST_TIMEOUTS });
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(rec.outcome).toBe('failed');
    expect(rec.error).toMatch(/^stale metrics: metrics for "stale-saga": newest sample at \S+ is \d+(\.\d)?s old, more than metrics\.maxStaleness 3s; no plan is made on stale data/);
    expect(rec.reason).toMatch(/nothing was changed$/);
    expect(rec.plan).toBeUndefined();
    expect(rec.provisioning).toBeUndefined();
    expect(await new FileAuditLog(sb.stateRoot).all()).toHaveLength(1);
  }, 60_000);

  it('with fallback (threshold 1), stale metrics scale out by the step from current capacity instead', async () => {
    const service = 'stale-fallback-saga';
    const sb = createSandbox();
    sb.writeConfig({
      [service]: serviceConfig('unused.csv', { metrics: prometheus(), provisioner: { type: 'dry-run', initialInstances: 4 }, fallback: { failureThreshold: 1, step: 1 } }),
    });
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision(service, { timeouts: FAST_TIMEOUTS });
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(rec.outcome).toBe('committed');
    expect(rec.forecast?.mode).toBe('fallback');
    expect(rec.forecast?.fallback?.error).toMatch(/^stale metrics: /);
    expect(rec.plan).toMatchObject({ from: 4, to: 5, direction: 'out' });
  }, 60_000);
});

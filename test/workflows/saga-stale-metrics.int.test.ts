import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsSource } from '../../metrics';
import { FileAuditLog } from '../../store/audit';
import { PrometheusLab, startPrometheusLab, waitFor } from '../helpers/prometheus';
import { createSandbox, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';
import { expectReplays } from '../helpers/replay';

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
  it('ends the decision `stale-metrics` with the reason in numbers; nothing is planned or changed; its history replays', async () => {
    const service = 'stale-saga';
    const sb = createSandbox();
    sb.writeConfig({ [service]: serviceConfig('unused.csv', { metrics: prometheus(), provisioner: { type: 'dry-run', initialInstances: 4 } }) });
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision(service, { timeouts: FAST_TIMEOUTS });
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(rec.outcome).toBe('stale-metrics');
    expect(rec.error).toMatch(/^stale metrics: metrics for "stale-saga": newest sample at \S+ is \d+(\.\d)?s old, more than metrics\.maxStaleness 3s; no plan is made on stale data/);
    expect(rec.reason).toMatch(/nothing was changed$/);
    expect(rec.plan).toBeUndefined();
    expect(rec.provisioning).toBeUndefined();
    expect(await new FileAuditLog(sb.stateRoot).all()).toHaveLength(1);
    // The outcome is behind patch `stale-metrics-outcome`: this history replays deterministically.
    await expectReplays(t, rec.workflowId, rec.runId);
  }, 60_000);

  it('with fallback (threshold 2), the second stale decision in a row scales out by the step from current capacity', async () => {
    const service = 'stale-fallback-saga';
    const sb = createSandbox();
    sb.writeConfig({
      [service]: serviceConfig('unused.csv', { metrics: prometheus(), provisioner: { type: 'dry-run', initialInstances: 4 }, fallback: { failureThreshold: 2, step: 1 } }),
    });
    const [first, rec] = await withWorker(t, { configPath: sb.configPath }, async () => {
      const out = [];
      for (let i = 0; i < 2; i++) {
        const s = await t.kinetic.startDecision(service, { timeouts: FAST_TIMEOUTS });
        out.push(await t.kinetic.waitForDecision(s.decisionId));
      }
      return out;
    });
    expect(first.outcome).toBe('stale-metrics'); // 1 of 2: the outcome stands (and counts)
    expect(rec.outcome).toBe('committed');
    expect(rec.forecast?.fallback).toMatchObject({ failures: 2, failureThreshold: 2, current: 4, target: 5 });
    expect(rec.forecast?.mode).toBe('fallback');
    expect(rec.forecast?.fallback?.error).toMatch(/^stale metrics: /);
    expect(rec.plan).toMatchObject({ from: 4, to: 5, direction: 'out' });
  }, 60_000);
});

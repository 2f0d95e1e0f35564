import { afterAll, describe, expect, it } from 'vitest';
import { startMetricsServer, type MetricsServer } from '../../observability/metrics-server';
import { kineticMetrics } from '../../observability/metrics';

const servers: MetricsServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
});

describe('the worker metrics endpoint', () => {
  it("serves Kinetic's and the process's metrics on /metrics, and nothing elsewhere", async () => {
    const server = await startMetricsServer({ port: 0, host: '127.0.0.1' });
    servers.push(server);
    kineticMetrics.fallbackActivations.inc({ service: 'serversvc' });
    const res = await fetch(server.url);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const page = await res.text();
    expect(page).toContain('kinetic_fallback_activations_total{service="serversvc"} 1');
    expect(page).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect((await fetch(server.url.replace('/metrics', '/other'))).status).toBe(404);
  });

  it('a port in use is an error naming the flag and the config field', async () => {
    const first = await startMetricsServer({ port: 0, host: '127.0.0.1' });
    servers.push(first);
    await expect(startMetricsServer({ port: first.port, host: '127.0.0.1' })).rejects.toThrow(`metrics port ${first.port} is in use: choose another with --metrics-port or observability.metricsPort`);
  });

  it('a failing pre-scrape refresh still serves the page', async () => {
    const server = await startMetricsServer({ port: 0, host: '127.0.0.1', beforeScrape: async () => Promise.reject(new Error('visibility down')) });
    servers.push(server);
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('# TYPE kinetic_decisions_total counter');
  });
});

import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../config/tools';
import { MetricsInputError } from '../../metrics/contract';
import { createMetricsSource } from '../../metrics';
import { PrometheusMetricsSource } from '../../metrics/prometheus-source';
import { freeLoopbackPort as freePort } from '../../net/free-port';

/**
 * A real Prometheus (Debian's `prometheus` package) scraping the real sample service every second,
 * on free loopback ports with a throw-away config and data dir.
 */

function prometheusBinary(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const PROMETHEUS = process.env.PROMETHEUS_BIN ?? prometheusBinary();
const procs: ChildProcess[] = [];


async function waitFor(what: string, fn: () => Promise<boolean>, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

let samplePort = 0;
let promUrl = '';

beforeAll(async () => {
  // A real Prometheus is part of the test environment (.ci/run installs Debian's package).
  if (!PROMETHEUS) throw new Error('prometheus not found: apt-get install -y prometheus (or set PROMETHEUS_BIN)');
  samplePort = await freePort();
  const sample = spawn(process.execPath, [join(REPO_ROOT, 'examples/sample-service/server.js'), '--port', String(samplePort)], {
    env: { ...process.env, SAMPLE_CPU_MS: '1', KINETIC_SERVICE: 'webprom' },
    stdio: 'ignore',
  });
  procs.push(sample);
  await waitFor('sample service', async () => (await fetch(`http://127.0.0.1:${samplePort}/healthz`)).ok);

  const dir = mkdtempSync(join(tmpdir(), 'kinetic-prom-'));
  const promPort = await freePort();
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: webprom\n    static_configs:\n      - targets: ['127.0.0.1:${samplePort}']\n`,
  );
  const prom = spawn(
    PROMETHEUS,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  procs.push(prom);
  promUrl = `http://127.0.0.1:${promPort}`;
  await waitFor('prometheus ready', async () => (await fetch(`${promUrl}/-/ready`)).ok, 30_000);
}, 60_000);

afterAll(() => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
});

describe('prometheus metrics source (real Prometheus)', () => {
  it('returns the series the sample service produced', async () => {
    // Wait for a first scrape (the labelled counter itself appears only after the first request).
    const source = createMetricsSource({ source: 'prometheus', url: promUrl, query: 'sum(sample_http_requests_total{job="$service"})', metric: 'rps', stepSeconds: 1, historyPoints: 60 });
    expect(source).toBeInstanceOf(PrometheusMetricsSource);
    const up = new PrometheusMetricsSource({ url: promUrl, query: 'up{job="$service"}' });
    await waitFor('first scrape', async () => (await up.range('webprom', 'up', new Date(Date.now() - 10_000), new Date(), 1)).values.includes(1));
    const requests = 30;
    for (let i = 0; i < requests; i++) {
      await fetch(`http://127.0.0.1:${samplePort}/work?cpu=1`).then((r) => r.text());
      await new Promise((r) => setTimeout(r, 100));
    }
    // Two more scrapes after the last request.
    const doneAt = Date.now();
    await waitFor('scrapes after the traffic', async () => {
      const s = await source.range('webprom', 'rps', new Date(doneAt - 5_000), new Date(), 1);
      return s.values.filter((v) => v === requests).length >= 2;
    });
    const series = await source.range('webprom', 'rps', new Date(Date.now() - 30_000), new Date(), 1);
    expect(series.stepSeconds).toBe(1);
    expect(series.start % 1000).toBe(0);
    const finite = series.values.filter((v) => Number.isFinite(v));
    expect(finite.length).toBeGreaterThanOrEqual(4);
    expect(finite[finite.length - 1]).toBe(requests);
    for (let i = 1; i < finite.length; i++) expect(finite[i]).toBeGreaterThanOrEqual(finite[i - 1]); // a counter
    // Before Prometheus started there is no data: explicit gaps, not zeros.
    expect(series.gaps.length).toBeGreaterThan(0);
    expect(series.gaps[0].index).toBe(0);

    // Longer than one query may ask for (11,000 points): read in chunks, same series.
    const long = await source.range('webprom', 'rps', new Date(Date.now() - 4 * 3600_000), new Date(), 1);
    expect(long.values.length).toBeGreaterThan(14_000);
    expect(long.values.filter((v) => Number.isFinite(v)).pop()).toBe(requests);

    const rate = new PrometheusMetricsSource({ url: promUrl, query: 'sum(rate(sample_http_requests_total{job="$service"}[5s]))' });
    const r = await rate.range('webprom', 'rps', new Date(Date.now() - 20_000), new Date(), 1);
    expect(Math.max(...r.values.filter((v) => Number.isFinite(v)))).toBeGreaterThan(0);
  });

  it('a bad query is a non-retryable input error that names the query', async () => {
    const bad = new PrometheusMetricsSource({ url: promUrl, query: 'sum(' });
    await expect(bad.range('webprom', 'rps', new Date(Date.now() - 10_000), new Date(), 1)).rejects.toBeInstanceOf(MetricsInputError);
  });
});

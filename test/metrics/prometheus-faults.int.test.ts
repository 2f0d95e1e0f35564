import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHistory, StaleMetricsError } from '../../activities/metrics-read';
import type { MetricsConfig } from '../../config/schema';
import { REPO_ROOT } from '../../config/tools';
import { createMetricsSource } from '../../metrics';
import { MetricsInputError } from '../../metrics/contract';

/**
 * Metrics faults against a real Prometheus scraping two real sample services every second: one
 * stays up (`live-faults`), one is stopped after it was scraped (`gone-faults`, its series ends).
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
let promUrl = '';
let gone: ChildProcess;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitFor(what: string, fn: () => Promise<boolean>, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function sample(name: string): Promise<{ proc: ChildProcess; port: number }> {
  const port = await freePort();
  const proc = spawn(process.execPath, [join(REPO_ROOT, 'examples/sample-service/server.js'), '--port', String(port)], {
    env: { ...process.env, SAMPLE_CPU_MS: '1', KINETIC_SERVICE: name },
    stdio: 'ignore',
  });
  procs.push(proc);
  await waitFor(`sample service ${name}`, async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok);
  // The labelled request counter exists only after a first request.
  await fetch(`http://127.0.0.1:${port}/work?cpu=1`).then((r) => r.text());
  return { proc, port };
}

const prom = (query: string, extra: Partial<MetricsConfig> = {}): MetricsConfig =>
  ({ source: 'prometheus', url: promUrl, query, metric: 'rps', stepSeconds: 1, historyPoints: 30, ...extra }) as MetricsConfig;

const read = (m: MetricsConfig, service: string) => readHistory(createMetricsSource(m), service, m, `metrics for "${service}"`, Date.now());

beforeAll(async () => {
  if (!PROMETHEUS) throw new Error('prometheus not found: apt-get install -y prometheus (or set PROMETHEUS_BIN)');
  const live = await sample('live-faults');
  const g = await sample('gone-faults');
  gone = g.proc;
  const dir = mkdtempSync(join(tmpdir(), 'kinetic-prom-faults-'));
  const promPort = await freePort();
  const job = (name: string, port: number) => `  - job_name: ${name}\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`;
  writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\nscrape_configs:\n${job('live-faults', live.port)}${job('gone-faults', g.port)}`);
  procs.push(
    spawn(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
  promUrl = `http://127.0.0.1:${promPort}`;
  await waitFor('prometheus ready', async () => (await fetch(`${promUrl}/-/ready`)).ok);
  // Both counters scraped a few times, then the second service stops: its series ends there.
  const counter = (job: string) => prom(`sum(sample_http_requests_total{job="${job}"})`);
  for (const j of ['live-faults', 'gone-faults']) {
    await waitFor(`scrapes of ${j}`, async () => (await createMetricsSource(counter(j)).range(j, 'rps', new Date(Date.now() - 20_000), new Date(), 1)).values.filter(Number.isFinite).length >= 3);
  }
  gone.kill('SIGTERM');
}, 90_000);

afterAll(() => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
});

describe('metrics faults (real Prometheus)', () => {
  it('a series that stopped is stale after maxStaleness (default 3 steps): a named error, no plan; a live one is fresh', async () => {
    const m = prom('sum(sample_http_requests_total{job="$service"})');
    await new Promise((r) => setTimeout(r, 5_000)); // > 3 steps of 1 s since the last scrape of the stopped service
    const err = await read(m, 'gone-faults').catch((e: Error) => e);
    expect(err).toBeInstanceOf(StaleMetricsError);
    expect(err).toBeInstanceOf(MetricsInputError); // non-retryable: the decision ends `failed` with this reason
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

import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../config/tools';
import { freeLoopbackPort as freePort } from '../../net/free-port';

/**
 * Real parts for metrics tests: the sample service (its /metrics counts requests) and a real
 * Prometheus (Debian's `prometheus` package, or PROMETHEUS_BIN) scraping it every second, on free
 * loopback ports with a throw-away config and data dir. Call `stop()` in afterAll.
 */

export function prometheusBinary(): string {
  const bin =
    process.env.PROMETHEUS_BIN ??
    (() => {
      try {
        return execFileSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).trim() || undefined;
      } catch {
        return undefined;
      }
    })();
  if (!bin) throw new Error('prometheus not found: apt-get install -y prometheus (or set PROMETHEUS_BIN)');
  return bin;
}


export async function waitFor(what: string, fn: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface PrometheusLab {
  url: string;
  /** Sample services by job name (the job is also KINETIC_SERVICE). */
  samples: Record<string, { proc: ChildProcess; port: number }>;
  stop(): void;
}

/** One sample service per job, each scraped every second by one Prometheus. */
export async function startPrometheusLab(jobs: string[]): Promise<PrometheusLab> {
  const bin = prometheusBinary();
  const procs: ChildProcess[] = [];
  const samples: PrometheusLab['samples'] = {};
  for (const job of jobs) {
    const port = await freePort();
    const proc = spawn(process.execPath, [join(REPO_ROOT, 'examples/sample-service/server.js'), '--port', String(port)], {
      env: { ...process.env, SAMPLE_CPU_MS: '1', KINETIC_SERVICE: job },
      stdio: 'ignore',
    });
    procs.push(proc);
    await waitFor(`sample service ${job}`, async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok);
    // The labelled request counter exists only after a first request.
    await fetch(`http://127.0.0.1:${port}/work?cpu=1`).then((r) => r.text());
    samples[job] = { proc, port };
  }
  const dir = mkdtempSync(join(tmpdir(), 'kinetic-prom-'));
  const promPort = await freePort();
  const scrape = jobs.map((j) => `  - job_name: ${j}\n    static_configs:\n      - targets: ['127.0.0.1:${samples[j].port}']\n`).join('');
  writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\nscrape_configs:\n${scrape}`);
  procs.push(
    spawn(bin, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
  const url = `http://127.0.0.1:${promPort}`;
  await waitFor('prometheus ready', async () => (await fetch(`${url}/-/ready`)).ok);
  return {
    url,
    samples,
    stop: () => {
      for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
    },
  };
}

export interface PrometheusServer {
  url: string;
  /** An instant query through the HTTP API: one entry per series, labels and value. */
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value: number }>>;
  stop(): Promise<void>;
}

/**
 * A real Prometheus scraping `targets` (job → host:port) every second, on a free loopback port
 * with a throw-away config and data dir; `rulesFiles` are loaded as its rule files.
 */
export async function startPrometheus(targets: Record<string, string>, rulesFiles: string[] = []): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kinetic-prom-'));
  const port = await freePort();
  const scrape = Object.entries(targets)
    .map(([job, target]) => `  - job_name: ${job}\n    static_configs:\n      - targets: ['${target}']\n`)
    .join('');
  const rules = rulesFiles.length ? `rule_files:\n${rulesFiles.map((f) => `  - ${f}\n`).join('')}` : '';
  writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n${rules}scrape_configs:\n${scrape}`);
  const proc = spawn(
    prometheusBinary(),
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor('prometheus ready', async () => (await fetch(`${url}/-/ready`)).ok);
  return {
    url,
    async query(expr) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { status: string; error?: string; data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
      if (body.status !== 'success') throw new Error(`prometheus query ${expr} failed: ${body.error}`);
      return body.data!.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

export { freePort };

/**
 * The worker's `/metrics`: Kinetic's metrics (observability/metrics.ts), the Node process metrics,
 * and Temporal's SDK metrics in one text page. The Temporal runtime can export only through its
 * own HTTP listener, so it binds a private loopback port and this server appends its page.
 */
import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { Runtime, type RuntimeOptions } from '@temporalio/worker';
import { kineticRegistry } from './metrics';
import { freeLoopbackPort } from '../net/free-port';

export interface MetricsServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

export interface MetricsServerOptions {
  port: number;
  /** Listen address; default all interfaces (Prometheus usually scrapes from another host). */
  host?: string;
  /** Temporal's exporter page (installRuntimeWithPrometheus); absent: Kinetic's and process metrics only. */
  temporalMetricsUrl?: string;
  /** Runs before each scrape (pending approvals from visibility); its failure leaves the last values. */
  beforeScrape?: () => Promise<void>;
}

let processRegistry: Registry | undefined;

export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  const procs = processRegistry;
  const page = async (): Promise<string> => {
    await opts.beforeScrape?.().catch(() => undefined);
    const parts = [await kineticRegistry.metrics(), await procs.metrics()];
    if (opts.temporalMetricsUrl) {
      // Temporal's page is best effort: without it Kinetic's metrics still answer the scrape.
      const res = await fetch(opts.temporalMetricsUrl, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
      if (res?.ok) parts.push(await res.text());
    }
    return parts.map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join('');
  };
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics' && !req.url?.startsWith('/metrics?')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('see /metrics\n');
      return;
    }
    page().then(
      (body) => res.writeHead(200, { 'content-type': kineticRegistry.contentType }).end(body),
      (e) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(e as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? new Error(`metrics port ${opts.port} is in use: choose another with --metrics-port or observability.metricsPort`) : e),
    );
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `http://${opts.host && opts.host !== '0.0.0.0' ? opts.host : '127.0.0.1'}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}


/**
 * Installs the process's Temporal Runtime with its Prometheus exporter on a private loopback
 * port, and returns that page's URL for startMetricsServer. Call before any connection is made:
 * a process has one Runtime, installed once.
 */
export async function installRuntimeWithPrometheus(base: RuntimeOptions = {}): Promise<string> {
  if (Runtime._instance) throw new Error('the Temporal Runtime is already installed in this process: install it with metrics before the first connection');
  const port = await freeLoopbackPort();
  Runtime.install({
    ...base,
    telemetryOptions: {
      ...base.telemetryOptions,
      metrics: { prometheus: { bindAddress: `127.0.0.1:${port}`, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true } },
    },
  });
  return `http://127.0.0.1:${port}/metrics`;
}

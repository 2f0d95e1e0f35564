#!/usr/bin/env node
'use strict';
/**
 * Kinetic sample service: the workload that the local pool runs and scales.
 *
 * Plain CommonJS on purpose: members are started as detached processes by the LocalPool dynamic
 * provider with a bare `node`, so no TypeScript loader is needed and start-up stays around 100 ms.
 *
 * Configuration (environment first, then `--flag value` arguments, which win):
 *   PORT / --port                  listen port (default 8080; 0 = any free port)
 *   HOST / --host                  listen address (default 127.0.0.1)
 *   SAMPLE_CPU_MS / --cpu-ms       CPU burnt per request in a busy loop, in ms (default 5);
 *                                  a request may override it with `?cpu=MS` (capped at 10 s)
 *   SAMPLE_FAIL_HEALTH=1 / --fail-health
 *                                  `/healthz` answers 503: used to test failed verification
 *   SAMPLE_DRAIN_TIMEOUT_MS / --drain-timeout-ms
 *                                  how long SIGTERM waits for in-flight requests (default 10000)
 *   KINETIC_SERVICE, KINETIC_TIER, KINETIC_MEMBER
 *                                  labels (set by the LocalPool provider), echoed in responses
 *
 * Routes:
 *   GET /healthz   200 `ok` (503 when draining or in failing mode)
 *   GET /metrics   Prometheus text format (prom-client): requests, latency histogram, in-flight
 *   anything else  burns the configured CPU and answers JSON {service, tier, member, pid, port, cpuMs}
 *
 * SIGTERM / SIGINT: graceful drain: stop accepting connections, finish in-flight requests (their
 * responses carry `Connection: close`), then exit 0; exit 1 if the drain timeout expires.
 */
const http = require('node:http');
const { URL } = require('node:url');
const client = require('prom-client');

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    if (eq > 0) {
      out[a.slice(2, eq)] = a.slice(eq + 1);
    } else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
      out[a.slice(2)] = argv[++i];
    } else {
      out[a.slice(2)] = 'true';
    }
  }
  return out;
}

const args = parseArgs(process.argv.slice(2));
const truthy = (v) => v !== undefined && v !== '' && v !== '0' && v !== 'false';
const config = {
  port: Number(args.port ?? process.env.PORT ?? 8080),
  host: args.host ?? process.env.HOST ?? '127.0.0.1',
  cpuMs: Number(args['cpu-ms'] ?? process.env.SAMPLE_CPU_MS ?? 5),
  failHealth: truthy(args['fail-health'] ?? process.env.SAMPLE_FAIL_HEALTH),
  drainTimeoutMs: Number(args['drain-timeout-ms'] ?? process.env.SAMPLE_DRAIN_TIMEOUT_MS ?? 10_000),
  service: process.env.KINETIC_SERVICE ?? 'sample-service',
  tier: process.env.KINETIC_TIER ?? 'default',
  member: process.env.KINETIC_MEMBER ?? '0',
};

const registry = new client.Registry();
registry.setDefaultLabels({ service: config.service, tier: config.tier, member: config.member });
client.collectDefaultMetrics({ register: registry });
const requests = new client.Counter({
  name: 'sample_http_requests_total',
  help: 'HTTP requests served (work routes only, not /healthz or /metrics)',
  labelNames: ['method', 'code'],
  registers: [registry],
});
const latency = new client.Histogram({
  name: 'sample_http_request_duration_seconds',
  help: 'Latency of work requests, seconds',
  labelNames: ['method', 'code'],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});
const inFlight = new client.Gauge({
  name: 'sample_http_in_flight_requests',
  help: 'Work requests being served right now',
  registers: [registry],
});
const configuredCpu = new client.Gauge({
  name: 'sample_cpu_cost_ms',
  help: 'Configured CPU cost per request, ms',
  registers: [registry],
});
configuredCpu.set(config.cpuMs);

let draining = false;
let active = 0;

/** Burns `ms` of CPU in 5 ms slices, yielding between slices so concurrent requests interleave. */
function burn(ms) {
  return new Promise((resolve) => {
    const end = Date.now() + ms;
    const slice = () => {
      const stop = Math.min(end, Date.now() + 5);
      while (Date.now() < stop) {
        /* busy: this is the CPU cost */
      }
      if (Date.now() >= end) resolve();
      else setImmediate(slice);
    };
    slice();
  });
}

async function handleWork(req, res, url) {
  const started = process.hrtime.bigint();
  active++;
  inFlight.inc();
  let code = 200;
  try {
    const q = url.searchParams.get('cpu');
    const cpuMs = Math.max(0, Math.min(10_000, q !== null && q !== '' ? Number(q) || 0 : config.cpuMs));
    if (cpuMs > 0) await burn(cpuMs);
    const body = JSON.stringify({
      service: config.service,
      tier: config.tier,
      member: config.member,
      pid: process.pid,
      port: server.address()?.port ?? config.port,
      cpuMs,
    });
    res.writeHead(code, { 'content-type': 'application/json', ...(draining ? { connection: 'close' } : {}) });
    res.end(body);
  } catch (err) {
    code = 500;
    if (!res.headersSent) res.writeHead(code, { 'content-type': 'text/plain' });
    res.end(String(err));
  } finally {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    requests.inc({ method: req.method, code: String(code) });
    latency.observe({ method: req.method, code: String(code) }, seconds);
    inFlight.dec();
    active--;
    if (draining) maybeExit();
  }
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/healthz') {
    const ok = !config.failHealth && !draining;
    res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
    res.end(ok ? 'ok\n' : draining ? 'draining\n' : 'failing (SAMPLE_FAIL_HEALTH)\n');
    return;
  }
  if (url.pathname === '/metrics') {
    registry
      .metrics()
      .then((text) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(text);
      })
      .catch((err) => {
        res.writeHead(500);
        res.end(String(err));
      });
    return;
  }
  void handleWork(req, res, url);
});
server.keepAliveTimeout = 5_000;

function maybeExit() {
  if (active === 0) {
    log(`drained, exiting`);
    process.exit(0);
  }
}

function log(msg) {
  process.stdout.write(`${new Date().toISOString()} [${config.service}/${config.tier}#${config.member} pid ${process.pid}] ${msg}\n`);
}

function drain(signal) {
  if (draining) return;
  draining = true;
  log(`${signal}: draining ${active} in-flight request(s)`);
  server.close(); // stop accepting; the callback is not needed, in-flight tracking decides
  server.closeIdleConnections();
  setTimeout(() => {
    log(`drain timeout after ${config.drainTimeoutMs} ms with ${active} in flight`);
    process.exit(1);
  }, config.drainTimeoutMs).unref();
  maybeExit();
}
process.on('SIGTERM', () => drain('SIGTERM'));
process.on('SIGINT', () => drain('SIGINT'));

server.on('error', (err) => {
  log(`server error: ${err.message}`);
  process.exit(2);
});
server.listen(config.port, config.host, () => {
  const addr = server.address();
  log(`listening on ${config.host}:${addr.port} cpuMs=${config.cpuMs}${config.failHealth ? ' (failing health)' : ''}`);
});

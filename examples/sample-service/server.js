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
 *   SAMPLE_BEHAVIOUR / --behaviour what a work request does (default `cpu`), so that distinct
 *                                  behaviours exist on real processes (behavioural fingerprints):
 *                                    cpu        burns `cpuMs` of CPU in 5 ms slices (yields between)
 *                                    memory     a cache: keeps 256 KiB per request (up to
 *                                               SAMPLE_CACHE_MB, default 192) and reads old entries;
 *                                               RSS and GC time grow, CPU stays low
 *                                    io         writes 64 KiB to a scratch file in 8 KiB chunks,
 *                                               fsyncs and reads it back: many read/write syscalls
 *                                    eventloop  blocks the event loop for `cpuMs` without using CPU
 *                                               (Atomics.wait, like a synchronous call): lag and
 *                                               queue depth grow, CPU stays low
 *                                  `POST /behaviour?mode=X` switches the behaviour of a running member
 *   SAMPLE_FAIL_HEALTH=1 / --fail-health
 *                                  `/healthz` answers 503: used to test failed verification
 *   SAMPLE_DRAIN_TIMEOUT_MS / --drain-timeout-ms
 *                                  how long SIGTERM waits for in-flight requests (default 10000)
 *   KINETIC_SERVICE, KINETIC_TIER, KINETIC_MEMBER
 *                                  labels (set by the LocalPool provider), echoed in responses
 *
 * Routes:
 *   GET /healthz   200 `ok` (503 when draining or in failing mode)
 *   GET /metrics   Prometheus text format (prom-client): requests, latency histogram, in-flight,
 *                  behaviour, event-loop lag since the previous scrape (sample_eventloop_lag_max_seconds),
 *                  plus the default Node metrics (event-loop lag, GC time, heap)
 *   POST /behaviour?mode=cpu|memory|io|eventloop   switch behaviour (answers the new mode)
 *   anything else  burns the configured CPU and answers JSON {service, tier, member, pid, port, cpuMs}
 *
 * SIGTERM / SIGINT: graceful drain: stop accepting connections, finish in-flight requests (their
 * responses carry `Connection: close`), then exit 0; exit 1 if the drain timeout expires.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
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
  behaviour: args.behaviour ?? process.env.SAMPLE_BEHAVIOUR ?? 'cpu',
  cacheMb: Number(args['cache-mb'] ?? process.env.SAMPLE_CACHE_MB ?? 192),
  drainTimeoutMs: Number(args['drain-timeout-ms'] ?? process.env.SAMPLE_DRAIN_TIMEOUT_MS ?? 10_000),
  service: process.env.KINETIC_SERVICE ?? 'sample-service',
  tier: process.env.KINETIC_TIER ?? 'default',
  member: process.env.KINETIC_MEMBER ?? '0',
};

const BEHAVIOURS = ['cpu', 'memory', 'io', 'eventloop'];
if (!BEHAVIOURS.includes(config.behaviour)) {
  process.stderr.write(`SAMPLE_BEHAVIOUR / --behaviour: "${config.behaviour}" is not one of ${BEHAVIOURS.join(', ')}\n`);
  process.exit(2);
}

const registry = new client.Registry();
registry.setDefaultLabels({ service: config.service, tier: config.tier, member: config.member });
client.collectDefaultMetrics({ register: registry });

/**
 * Event-loop lag that a frequent scrape cannot miss. The default metric's histogram records a
 * block only when its timer fires late; when requests queue, a scrape is answered between two
 * blocks (before the timer ever runs) and resets the histogram, so at 10 Hz a saturated loop read
 * as idle. Here a 10 ms timer tracks how late it fires, and a scrape also counts how
 * overdue the timer is right now, then restarts the measure from the scrape.
 */
const LAG_TICK_MS = 10;
let lagExpected = performance.now() + LAG_TICK_MS;
let lagMax = 0;
setInterval(() => {
  const now = performance.now();
  lagMax = Math.max(lagMax, now - lagExpected);
  lagExpected = now + LAG_TICK_MS;
}, LAG_TICK_MS).unref();
new client.Gauge({
  name: 'sample_eventloop_lag_max_seconds',
  help: 'Largest event-loop delay since the previous scrape, seconds (a block that just ended included)',
  registers: [registry],
  collect() {
    const now = performance.now();
    this.set(Math.max(0, lagMax, now - lagExpected) / 1000);
    lagMax = 0;
    lagExpected = Math.max(lagExpected, now);
  },
});
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
const behaviourGauge = new client.Gauge({
  name: 'sample_behaviour',
  help: 'Current behaviour (1 for the active mode)',
  labelNames: ['mode'],
  registers: [registry],
});
function setBehaviour(mode) {
  config.behaviour = mode;
  for (const m of BEHAVIOURS) behaviourGauge.set({ mode: m }, m === mode ? 1 : 0);
}
setBehaviour(config.behaviour);

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

/** memory: an insertion-ordered cache of 256 KiB entries, evicted oldest-first above cacheMb. */
const cache = new Map();
let cacheSeq = 0;
function cacheWork() {
  const entry = Buffer.alloc(256 * 1024, cacheSeq & 0xff);
  cache.set(cacheSeq++, entry);
  while (cache.size * 0.25 > config.cacheMb) cache.delete(cache.keys().next().value);
  // Read a few older entries, as a cache hit would.
  let sum = 0;
  for (const [k, v] of cache) {
    if (k % 16 === 0) sum += v[k % v.length];
  }
  return sum;
}

/** io: many small writes, an fsync, and small reads back: syscall-heavy, little CPU. */
const scratch = path.join(os.tmpdir(), `kinetic-sample-${process.pid}.bin`);
const chunk = Buffer.alloc(8 * 1024, 7);
async function ioWork() {
  const fh = await fs.promises.open(scratch, 'w+');
  try {
    for (let i = 0; i < 8; i++) await fh.write(chunk, 0, chunk.length, i * chunk.length);
    await fh.sync();
    const back = Buffer.alloc(chunk.length);
    for (let i = 0; i < 8; i++) await fh.read(back, 0, back.length, i * chunk.length);
  } finally {
    await fh.close();
  }
}
process.on('exit', () => fs.rmSync(scratch, { force: true }));

/** eventloop: a synchronous wait that holds the loop but not the CPU. */
const waitCell = new Int32Array(new SharedArrayBuffer(4));
function blockLoop(ms) {
  Atomics.wait(waitCell, 0, 0, ms);
}

async function doWork(cpuMs) {
  switch (config.behaviour) {
    case 'memory':
      cacheWork();
      return;
    case 'io':
      await ioWork();
      return;
    case 'eventloop':
      if (cpuMs > 0) blockLoop(cpuMs);
      return;
    default:
      if (cpuMs > 0) await burn(cpuMs);
  }
}

async function handleWork(req, res, url) {
  const started = process.hrtime.bigint();
  active++;
  inFlight.inc();
  let code = 200;
  try {
    const q = url.searchParams.get('cpu');
    const cpuMs = Math.max(0, Math.min(10_000, q !== null && q !== '' ? Number(q) || 0 : config.cpuMs));
    await doWork(cpuMs);
    const body = JSON.stringify({
      service: config.service,
      tier: config.tier,
      member: config.member,
      pid: process.pid,
      port: server.address()?.port ?? config.port,
      cpuMs,
      behaviour: config.behaviour,
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
  if (url.pathname === '/behaviour' && req.method === 'POST') {
    const mode = url.searchParams.get('mode') ?? '';
    if (!BEHAVIOURS.includes(mode)) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`mode: "${mode}" is not one of ${BEHAVIOURS.join(', ')}; use POST /behaviour?mode=cpu\n`);
      return;
    }
    setBehaviour(mode);
    log(`behaviour -> ${mode}`);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${mode}\n`);
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
  log(`listening on ${config.host}:${addr.port} cpuMs=${config.cpuMs} behaviour=${config.behaviour}${config.failHealth ? ' (failing health)' : ''}`);
});

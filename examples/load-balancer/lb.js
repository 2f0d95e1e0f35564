#!/usr/bin/env node
'use strict';
/**
 * Kinetic local load balancer: round-robin HTTP proxy in front of the healthy members of a pool.
 *
 * Membership (design): the LocalPool dynamic provider writes one JSON file per pool (tier) into a
 * members directory, atomically (write to a temp file, then rename):
 *     <members-dir>/<tier>.json = { service, tier, updatedAt, members: [{ id, host, port, pid }] }
 * The balancer re-reads every `*.json` file of that directory on an fs.watch event and at least
 * every `--poll-ms` (watch events are only a hint; the poll is the guarantee), so it follows scale
 * out and scale in without a restart. A member that disappears from the files stops receiving new
 * requests at once (this is the "drain" step of a scale-in: the provider removes the member from
 * the file, waits longer than the poll interval, then sends SIGTERM). Requests already proxied to
 * it finish normally.
 *
 * Health: each member is probed with `GET <health-path>` every `--health-interval-ms` (and as soon
 * as it appears). Only members whose last probe answered 2xx get traffic. A proxy connection error
 * marks the member unhealthy immediately and the request is retried once on another member.
 *
 * Options (flags win over environment):
 *   --port / LB_PORT                        listen port (default 8000)
 *   --host / LB_HOST                        listen address (default 127.0.0.1)
 *   --members-dir / LB_MEMBERS_DIR          required
 *   --service / KINETIC_SERVICE             label only
 *   --health-path / LB_HEALTH_PATH          default /healthz
 *   --poll-ms / LB_POLL_MS                  membership re-read interval (default 250)
 *   --health-interval-ms / LB_HEALTH_INTERVAL_MS   default 500
 *   --health-timeout-ms / LB_HEALTH_TIMEOUT_MS     default 1000
 *   --upstream-timeout-ms / LB_UPSTREAM_TIMEOUT_MS default 30000
 *
 * Own routes (everything else is proxied):
 *   GET /lb/members   JSON { service, version, total, healthy, members: [{ id, tier, host, port, pid,
 *                     healthy, checkedAt, lastError, inFlight, served, failures }] }
 *   GET /lb/healthz   200 when at least one member is healthy, else 503
 *   GET /lb/metrics   Prometheus text: lb_requests_total{code}, lb_request_duration_seconds,
 *                     lb_upstream_errors_total, lb_members{state}
 */
const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');
const client = require('prom-client');

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) out[a.slice(2)] = argv[++i];
    else out[a.slice(2)] = 'true';
  }
  return out;
}

const args = parseArgs(process.argv.slice(2));
const cfg = {
  port: Number(args.port ?? process.env.LB_PORT ?? 8000),
  host: args.host ?? process.env.LB_HOST ?? '127.0.0.1',
  membersDir: args['members-dir'] ?? process.env.LB_MEMBERS_DIR,
  service: args.service ?? process.env.KINETIC_SERVICE ?? 'unknown',
  healthPath: args['health-path'] ?? process.env.LB_HEALTH_PATH ?? '/healthz',
  pollMs: Number(args['poll-ms'] ?? process.env.LB_POLL_MS ?? 250),
  healthIntervalMs: Number(args['health-interval-ms'] ?? process.env.LB_HEALTH_INTERVAL_MS ?? 500),
  healthTimeoutMs: Number(args['health-timeout-ms'] ?? process.env.LB_HEALTH_TIMEOUT_MS ?? 1000),
  upstreamTimeoutMs: Number(args['upstream-timeout-ms'] ?? process.env.LB_UPSTREAM_TIMEOUT_MS ?? 30_000),
};
if (!cfg.membersDir) {
  process.stderr.write('lb: --members-dir is required\n');
  process.exit(64);
}

function log(msg) {
  process.stdout.write(`${new Date().toISOString()} [lb ${cfg.service} pid ${process.pid}] ${msg}\n`);
}

// ---- metrics -------------------------------------------------------------------------------
const registry = new client.Registry();
registry.setDefaultLabels({ service: cfg.service });
const lbRequests = new client.Counter({
  name: 'lb_requests_total',
  help: 'Requests proxied by the balancer',
  labelNames: ['code'],
  registers: [registry],
});
const lbLatency = new client.Histogram({
  name: 'lb_request_duration_seconds',
  help: 'End-to-end latency seen by the balancer, seconds',
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});
const lbUpstreamErrors = new client.Counter({
  name: 'lb_upstream_errors_total',
  help: 'Upstream connection errors',
  registers: [registry],
});
new client.Gauge({
  name: 'lb_members',
  help: 'Members known to the balancer',
  labelNames: ['state'],
  registers: [registry],
  collect() {
    let healthy = 0;
    for (const m of members.values()) if (m.healthy) healthy++;
    this.set({ state: 'healthy' }, healthy);
    this.set({ state: 'unhealthy' }, members.size - healthy);
  },
});

// ---- membership ----------------------------------------------------------------------------
/** key `${host}:${port}` → member record (health and counters survive re-reads). */
const members = new Map();
let version = 0;
let lastMembershipJson = '';

function readMembership() {
  let files = [];
  try {
    files = fs.readdirSync(cfg.membersDir).filter((f) => f.endsWith('.json'));
  } catch {
    files = [];
  }
  const next = [];
  for (const f of files.sort()) {
    try {
      const doc = JSON.parse(fs.readFileSync(path.join(cfg.membersDir, f), 'utf8'));
      const tier = doc.tier ?? path.basename(f, '.json');
      for (const m of doc.members ?? []) {
        if (typeof m.port !== 'number') continue;
        next.push({ id: String(m.id ?? `${tier}-${m.port}`), tier, file: f, host: m.host ?? '127.0.0.1', port: m.port, pid: m.pid });
      }
    } catch {
      // A file being replaced or malformed: keep the previous view of that tier until the next read.
      for (const m of members.values()) if (m.file === f) next.push(m);
    }
  }
  const json = JSON.stringify(next.map((m) => [m.id, m.host, m.port, m.pid]));
  if (json === lastMembershipJson) return;
  lastMembershipJson = json;
  version++;
  const seen = new Set();
  for (const m of next) {
    const key = `${m.host}:${m.port}`;
    seen.add(key);
    const prev = members.get(key);
    if (prev && prev.pid === m.pid) {
      prev.id = m.id;
      prev.tier = m.tier;
      prev.file = m.file;
      continue;
    }
    const rec = { ...m, healthy: false, checkedAt: null, lastError: 'not checked yet', inFlight: 0, served: 0, failures: 0 };
    members.set(key, rec);
    void probe(rec);
  }
  for (const key of [...members.keys()]) {
    if (!seen.has(key)) {
      log(`member ${members.get(key).id} (${key}) left the membership`);
      members.delete(key);
    }
  }
  log(`membership v${version}: ${[...members.values()].map((m) => `${m.id}@${m.port}`).join(', ') || '(empty)'}`);
}

function probe(m) {
  return new Promise((resolve) => {
    const req = http.get(
      { host: m.host, port: m.port, path: cfg.healthPath, timeout: cfg.healthTimeoutMs, agent: false },
      (res) => {
        res.resume();
        const ok = res.statusCode >= 200 && res.statusCode < 300;
        if (ok !== m.healthy) log(`member ${m.id} is now ${ok ? 'healthy' : `unhealthy (${res.statusCode})`}`);
        m.healthy = ok;
        m.lastError = ok ? null : `health ${res.statusCode}`;
        m.checkedAt = new Date().toISOString();
        resolve();
      },
    );
    req.on('timeout', () => req.destroy(new Error('health check timeout')));
    req.on('error', (err) => {
      if (m.healthy) log(`member ${m.id} is now unhealthy (${err.message})`);
      m.healthy = false;
      m.lastError = err.message;
      m.checkedAt = new Date().toISOString();
      resolve();
    });
  });
}

let rr = 0;
function pick(exclude) {
  const healthy = [...members.values()].filter((m) => m.healthy && m !== exclude);
  if (healthy.length === 0) return undefined;
  rr = (rr + 1) % healthy.length;
  return healthy[rr];
}

// ---- proxy ---------------------------------------------------------------------------------
function collectBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function forward(m, req, body, res) {
  return new Promise((resolve) => {
    m.inFlight++;
    const headers = { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '' };
    delete headers.connection;
    const up = http.request(
      { host: m.host, port: m.port, method: req.method, path: req.url, headers, timeout: cfg.upstreamTimeoutMs },
      (ures) => {
        const h = { ...ures.headers, 'x-kinetic-member': m.id };
        delete h.connection;
        res.writeHead(ures.statusCode ?? 502, h);
        ures.pipe(res);
        ures.on('end', () => {
          m.inFlight--;
          m.served++;
          resolve({ ok: true, code: ures.statusCode ?? 502 });
        });
        ures.on('error', () => {
          m.inFlight--;
          resolve({ ok: true, code: 502 });
        });
      },
    );
    up.on('timeout', () => up.destroy(new Error('upstream timeout')));
    up.on('error', (err) => {
      m.inFlight--;
      if (res.headersSent) {
        res.destroy(err);
        resolve({ ok: true, code: 502 });
        return;
      }
      m.failures++;
      lbUpstreamErrors.inc();
      m.healthy = false;
      m.lastError = err.message;
      resolve({ ok: false, code: 502, err });
    });
    up.end(body);
  });
}

async function proxy(req, res) {
  const started = process.hrtime.bigint();
  let code = 503;
  try {
    const body = await collectBody(req);
    let m = pick();
    let result;
    if (m) result = await forward(m, req, body, res);
    if (result && !result.ok) {
      const other = pick(m);
      result = other ? await forward(other, req, body, res) : result;
    }
    if (!m) {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('no healthy members\n');
    } else if (result && !result.ok && !res.headersSent) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`upstream error: ${result.err?.message}\n`);
    }
    code = m ? result.code : 503;
  } catch (err) {
    code = 500;
    if (!res.headersSent) res.writeHead(500);
    res.end(String(err));
  } finally {
    lbRequests.inc({ code: String(code) });
    lbLatency.observe(Number(process.hrtime.bigint() - started) / 1e9);
  }
}

function membersView() {
  const list = [...members.values()].map((m) => ({
    id: m.id,
    tier: m.tier,
    host: m.host,
    port: m.port,
    pid: m.pid,
    healthy: m.healthy,
    checkedAt: m.checkedAt,
    lastError: m.lastError,
    inFlight: m.inFlight,
    served: m.served,
    failures: m.failures,
  }));
  return { service: cfg.service, version, total: list.length, healthy: list.filter((m) => m.healthy).length, members: list };
}

const server = http.createServer((req, res) => {
  const p = (req.url ?? '/').split('?')[0];
  if (p === '/lb/members') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(membersView()));
    return;
  }
  if (p === '/lb/healthz') {
    const ok = [...members.values()].some((m) => m.healthy);
    res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
    res.end(ok ? 'ok\n' : 'no healthy members\n');
    return;
  }
  if (p === '/lb/metrics') {
    registry.metrics().then(
      (t) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(t);
      },
      (e) => {
        res.writeHead(500);
        res.end(String(e));
      },
    );
    return;
  }
  void proxy(req, res);
});
server.keepAliveTimeout = 5_000;

fs.mkdirSync(cfg.membersDir, { recursive: true });
readMembership();
setInterval(readMembership, cfg.pollMs).unref();
setInterval(() => {
  for (const m of members.values()) void probe(m);
}, cfg.healthIntervalMs).unref();
try {
  fs.watch(cfg.membersDir, { persistent: false }, () => readMembership());
} catch {
  // polling alone is enough
}

let stopping = false;
function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  log(`${signal}: closing`);
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 5_000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
server.on('error', (err) => {
  log(`server error: ${err.message}`);
  process.exit(2);
});
server.listen(cfg.port, cfg.host, () => {
  log(`listening on ${cfg.host}:${server.address().port}, members from ${cfg.membersDir}`);
});

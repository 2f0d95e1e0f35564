import { request, Agent } from 'node:http';
import { isIP } from 'node:net';
import { quantileSorted as sortedQuantile } from '../models/quantiles';

/**
 * Replays a demand series as real HTTP GETs against a local URL (e.g. the local pool's balancer),
 * time-compressed, bounded in rate and duration. Only loopback targets are allowed: this is a
 * test tool, and pointing it at someone else's server would be a load attack.
 */
export interface DriveOptions {
  url: string;
  /** Requests per step. */
  series: readonly number[];
  stepSeconds: number;
  /** Time compression: 60 plays a 1-minute step in 1 second. */
  compression: number;
  /** Hard cap on the request rate (requests per second); steps above it are clipped. */
  maxRps: number;
  /** Stop sending after this many seconds of wall time. */
  maxDurationSeconds: number;
  /** Requests still open beyond this are not started (counted as skipped). Default 256. */
  maxInFlight?: number;
  timeoutMs?: number;
}

export interface DriveReport {
  url: string;
  plannedRequests: number;
  sent: number;
  ok: number;
  failed: number;
  skipped: number;
  /** Steps whose rate was clipped to maxRps. */
  cappedSteps: number;
  /** Steps played before the duration bound stopped the replay. */
  stepsPlayed: number;
  durationSeconds: number;
  achievedRps: number;
  latencyMs: { p50: number; p90: number; p95: number; p99: number; max: number };
}

export class LoadDriverError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LoadDriverError';
  }
}

/** True for localhost, 127.0.0.0/8 and ::1 (also IPv4-mapped). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h) || h === '0:0:0:0:0:0:0:1';
  return false;
}

export function checkTarget(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LoadDriverError(`--url: "${url}" is not a URL; use e.g. http://127.0.0.1:8080/`);
  }
  if (parsed.protocol !== 'http:') throw new LoadDriverError(`--url: only http:// is supported, got ${parsed.protocol}; use the local balancer's http address`);
  if (!isLoopbackHost(parsed.hostname)) {
    throw new LoadDriverError(`--url: ${parsed.hostname} is not a loopback address; the load driver only targets localhost, 127.0.0.0/8 or ::1`);
  }
  return parsed;
}

export async function driveLoad(opts: DriveOptions): Promise<DriveReport> {
  const target = checkTarget(opts.url);
  if (!(opts.compression > 0)) throw new LoadDriverError('--compress: must be > 0 (60 plays one minute per second)');
  if (!(opts.maxRps > 0)) throw new LoadDriverError('--max-rps: must be > 0');
  if (!(opts.maxDurationSeconds > 0)) throw new LoadDriverError('--max-seconds: must be > 0');
  const maxInFlight = opts.maxInFlight ?? 256;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const agent = new Agent({ keepAlive: true, maxSockets: maxInFlight });
  const slotMs = (opts.stepSeconds / opts.compression) * 1000;
  const latencies: number[] = [];
  const pending = new Set<Promise<void>>();
  const report = { plannedRequests: 0, sent: 0, ok: 0, failed: 0, skipped: 0, cappedSteps: 0, stepsPlayed: 0 };
  const started = performance.now();
  const deadline = started + opts.maxDurationSeconds * 1000;

  const fire = () => {
    const t0 = performance.now();
    report.sent++;
    const p = new Promise<void>((resolve) => {
      const req = request(target, { agent, method: 'GET', timeout: timeoutMs }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - t0);
          if (res.statusCode !== undefined && res.statusCode < 500) report.ok++;
          else report.failed++;
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        report.failed++;
        resolve();
      });
      req.end();
    });
    pending.add(p);
    void p.then(() => pending.delete(p));
  };

  for (let s = 0; s < opts.series.length; s++) {
    const slotStart = started + s * slotMs;
    if (slotStart >= deadline) break;
    let count = Math.max(0, Math.round(opts.series[s]));
    report.plannedRequests += count;
    const cap = Math.floor((opts.maxRps * slotMs) / 1000);
    if (count > cap) {
      count = cap;
      report.cappedSteps++;
    }
    for (let i = 0; i < count; i++) {
      const at = slotStart + (i * slotMs) / count;
      if (at >= deadline) break;
      await sleepUntil(at);
      if (pending.size >= maxInFlight) report.skipped++;
      else fire();
    }
    report.stepsPlayed++;
    await sleepUntil(Math.min(deadline, slotStart + slotMs));
  }
  await Promise.race([Promise.all(pending), sleep(timeoutMs + 100)]);
  agent.destroy();
  const durationSeconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => Math.round(sortedQuantile(latencies, p) * 100) / 100;
  return {
    url: target.toString(),
    ...report,
    durationSeconds,
    achievedRps: durationSeconds > 0 ? report.sent / durationSeconds : 0,
    latencyMs: { p50: q(0.5), p90: q(0.9), p95: q(0.95), p99: q(0.99), max: q(1) },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}

function sleepUntil(at: number): Promise<void> {
  const wait = at - performance.now();
  return wait > 1 ? sleep(wait) : Promise.resolve();
}

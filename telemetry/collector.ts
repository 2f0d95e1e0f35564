import { Agent, get } from 'node:http';
import { counterTotal } from '../metrics/pool-scraper';
import type { TelemetrySample } from '../fingerprints/signals';
import { periodFeatures } from '../fingerprints/features';
import { summariseMinute, type MinuteSummary } from '../fingerprints/summary';
import { deriveSample, type RawReading } from './derive';
import { readProc } from './proc';
import { Ring } from './ring';

/**
 * Samples every member (any Linux process by pid, plus its Prometheus /metrics when it has one)
 * at `intervalMs` (default 100 ms = 10 Hz), keeps a bounded ring of derived samples per member,
 * and hands minute summaries to `persist` (telemetry/summary-store.ts writes them to files).
 * Each member is sampled on its own, and /proc separately from /metrics: a member whose event
 * loop is blocked answers /metrics late, but its /proc counters are still read every tick (with
 * the newest /metrics values it gave), and it never delays the other members.
 */
export interface CollectedMember {
  id: string;
  pid: number;
  /** e.g. http://127.0.0.1:20001/metrics; none = /proc signals only. */
  metricsUrl?: string;
  /** Service name, for membership per service. */
  service?: string;
}

export interface CollectorOptions {
  intervalMs?: number;
  /** Samples kept per member (default 6000 = 10 min at 10 Hz). */
  ringCapacity?: number;
  ticksPerSecond?: number;
  /** Receives a summary per member for every completed minute. */
  persist?: (summary: MinuteSummary) => unknown;
  /** Period of the summaries (default 60000 ms; tests compress it). */
  summaryPeriodMs?: number;
  scrapeTimeoutMs?: number;
  /** Feature windows (s): when set, every summary carries the member's fingerprint features for its
   *  period (what decisions place members with; `kinetic fingerprints collect` sets 1, 5, 15, 60).
   *  Off by default: computing them costs tens of ms per member per period on the sampling thread. */
  featureWindowsS?: readonly number[];
}

export interface CollectorStats {
  ticks: number;
  /** Member samples skipped because the previous one of that member had not finished. */
  skippedTicks: number;
  failedReads: number;
  /** CPU time of this process spent in the collector's own code (ms; not the I/O callbacks of
   *  /proc reads and HTTP scrapes): a lower bound. bench:fingerprints measures the whole process
   *  while only the collector runs instead. */
  tickCpuMs: number;
}

interface MemberState {
  member: CollectedMember;
  ring: Ring<TelemetrySample>;
  last?: RawReading;
  lastSample?: TelemetrySample;
  /** Newest /metrics values and when they were scraped. */
  app?: RawReading['app'];
  summarisedUntil: number;
  busy: boolean;
  scraping: boolean;
}

export class TelemetryCollector {
  readonly intervalMs: number;
  readonly stats: CollectorStats = { ticks: 0, skippedTicks: 0, failedReads: 0, tickCpuMs: 0 };
  private readonly members = new Map<string, MemberState>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 4 });
  private timer?: NodeJS.Timeout;

  constructor(private readonly opts: CollectorOptions = {}) {
    this.intervalMs = opts.intervalMs ?? 100;
    if (!(this.intervalMs >= 10)) throw new RangeError(`collector intervalMs must be >= 10 ms, got ${this.intervalMs}`);
  }

  /** Replace the member list (a pool scaled): new members start empty, gone members are dropped. */
  setMembers(members: readonly CollectedMember[]): void {
    const keep = new Set(members.map((m) => m.id));
    for (const id of [...this.members.keys()]) if (!keep.has(id)) this.members.delete(id);
    for (const m of members) {
      const state = this.members.get(m.id);
      if (state && state.member.pid === m.pid) continue;
      this.members.set(m.id, { member: m, ring: new Ring(this.opts.ringCapacity ?? 6000), summarisedUntil: Date.now(), busy: false, scraping: false });
    }
  }

  memberIds(): string[] {
    return [...this.members.keys()];
  }

  member(id: string): CollectedMember | undefined {
    return this.members.get(id)?.member;
  }

  /** Samples of `id` from `sinceMs` on (all kept samples without it). */
  samples(id: string, sinceMs = 0): TelemetrySample[] {
    const state = this.members.get(id);
    if (!state) throw new RangeError(`collector: no member "${id}"; members are ${this.memberIds().join(', ') || 'none'}`);
    return state.ring.since(sinceMs);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.agent.destroy();
  }

  /** One sampling pass: starts a sample of every member that is not still busy with the previous one. */
  async tick(): Promise<void> {
    this.stats.ticks++;
    const cpu0 = process.cpuUsage();
    const pending: Promise<void>[] = [];
    for (const s of this.members.values()) {
      if (!s.scraping && s.member.metricsUrl) pending.push(this.scrapeMember(s));
      if (s.busy) this.stats.skippedTicks++;
      else pending.push(this.sampleMember(s));
    }
    // Synchronous part only (starting reads); the awaited I/O is counted by sampleMember.
    const used = process.cpuUsage(cpu0);
    this.stats.tickCpuMs += (used.user + used.system) / 1000;
    await Promise.all(pending);
  }

  private async sampleMember(state: MemberState): Promise<void> {
    state.busy = true;
    let reading: RawReading;
    try {
      const proc = await readProc(state.member.pid);
      reading = { t: Date.now(), proc, app: state.app };
    } catch {
      this.stats.failedReads++; // the process is gone or restarting: the pool's next membership update drops it
      return;
    } finally {
      state.busy = false;
    }
    const cpu0 = process.cpuUsage();
    if (state.last && reading.t > state.last.t) {
      state.lastSample = deriveSample(state.last, reading, this.opts.ticksPerSecond, state.lastSample);
      state.ring.push(state.lastSample);
    }
    state.last = reading;
    this.maybeSummarise(state, reading.t);
    const used = process.cpuUsage(cpu0);
    this.stats.tickCpuMs += (used.user + used.system) / 1000;
  }

  private maybeSummarise(state: MemberState, now: number): void {
    const period = this.opts.summaryPeriodMs ?? 60_000;
    if (!this.opts.persist || now - state.summarisedUntil < period) return;
    const from = state.summarisedUntil;
    const to = from + period;
    const windowsS = this.opts.featureWindowsS ? [...this.opts.featureWindowsS] : undefined;
    const seen = state.ring.since(from - Math.max(0, ...(windowsS ?? [])) * 1000).filter((s) => s.t < to);
    const window = seen.filter((s) => s.t >= from);
    state.summarisedUntil = to;
    if (window.length === 0) return;
    // The fingerprint features go with the summary, so a decision can place the member without the ring.
    const features = windowsS ? { values: periodFeatures(seen, from, to, { windowsS }), windowsS } : undefined;
    void this.opts.persist(summariseMinute(state.member.id, state.member.service ?? '', from, to, window, features));
  }

  private async scrapeMember(state: MemberState): Promise<void> {
    state.scraping = true;
    try {
      const app = await this.scrape(state.member.metricsUrl!);
      if (app) state.app = app;
    } finally {
      state.scraping = false;
    }
  }

  private async scrape(url: string): Promise<RawReading['app']> {
    const text = await fetchText(url, this.agent, this.opts.scrapeTimeoutMs ?? 1000).catch(() => undefined);
    if (text === undefined) return undefined;
    return {
      t: Date.now(),
      requests: counterTotal(text, 'sample_http_requests_total'),
      inFlight: counterTotal(text, 'sample_http_in_flight_requests'),
      // The sample service's own gauge sees blocks the default metric misses at 10 Hz (examples/sample-service); other apps have the default.
      eventLoopLagMaxSeconds: counterTotal(text, text.includes('sample_eventloop_lag_max_seconds') ? 'sample_eventloop_lag_max_seconds' : 'nodejs_eventloop_lag_max_seconds'),
      gcSeconds: counterTotal(text, 'nodejs_gc_duration_seconds_sum'),
    };
  }
}

function fetchText(url: string, agent: Agent, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

import type { TelemetrySample } from '../fingerprints/signals';
import type { ProcCounters } from './proc';

/** One raw reading: /proc counters plus the few /metrics values a fingerprint uses. */
export interface RawReading {
  t: number;
  proc: ProcCounters;
  /** Newest counters (totals since start) and gauges from the member's /metrics, with the time
   *  they were scraped (/metrics may lag /proc: a blocked loop answers late); absent before the first scrape. */
  app?: { t: number; requests: number; inFlight: number; eventLoopLagMaxSeconds: number; gcSeconds: number };
}

/**
 * Rates between two readings of the same process (clock ticks per second from `getconf CLK_TCK`).
 * /proc rates use the readings' times; /metrics rates use the scrapes' times, and when no new
 * scrape arrived in between, the previous sample's request and GC rates carry over.
 */
export function deriveSample(prev: RawReading, cur: RawReading, ticksPerSecond = 100, previous?: TelemetrySample): TelemetrySample {
  const dt = (cur.t - prev.t) / 1000;
  if (!(dt > 0)) throw new RangeError(`readings must move forward in time (dt = ${dt} s)`);
  const rate = (a: number, b: number) => Math.max(0, b - a) / dt;
  const p = prev.proc;
  const c = cur.proc;
  const app = cur.app && prev.app && cur.app.t > prev.app.t ? { prev: prev.app, cur: cur.app, dt: (cur.app.t - prev.app.t) / 1000 } : undefined;
  const appRate = (a: number, b: number, dtApp: number) => Math.max(0, b - a) / dtApp;
  return {
    t: cur.t,
    cpuCores: rate(p.cpuTicks, c.cpuTicks) / ticksPerSecond,
    rssMiB: c.rssBytes / 1048576,
    threads: c.threads,
    ctxSwitchesPerSec: rate(p.voluntaryCtxt + p.involuntaryCtxt, c.voluntaryCtxt + c.involuntaryCtxt),
    readSyscallsPerSec: rate(p.syscr, c.syscr),
    writeSyscallsPerSec: rate(p.syscw, c.syscw),
    readKiBPerSec: rate(p.rchar, c.rchar) / 1024,
    writeKiBPerSec: rate(p.wchar, c.wchar) / 1024,
    requestsPerSec: app ? appRate(app.prev.requests, app.cur.requests, app.dt) : (previous?.requestsPerSec ?? 0),
    inFlight: cur.app?.inFlight ?? 0,
    eventLoopLagMs: (cur.app?.eventLoopLagMaxSeconds ?? 0) * 1000,
    gcMsPerSec: app ? appRate(app.prev.gcSeconds, app.cur.gcSeconds, app.dt) * 1000 : (previous?.gcMsPerSec ?? 0),
  };
}

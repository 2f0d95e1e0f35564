import { describe, expect, it } from 'vitest';
import { featureNames, featureVector, periodFeatures } from '../../fingerprints/features';
import { SIGNALS, type TelemetrySample } from '../../fingerprints/signals';
import { histogramEntropy, windowStats } from '../../fingerprints/stats';
import { summariseMinute } from '../../fingerprints/summary';
import { deriveSample } from '../../telemetry/derive';
import { parseIo, parseStat, parseStatus } from '../../telemetry/proc';
import { Ring } from '../../telemetry/ring';

const sample = (t: number, over: Partial<TelemetrySample> = {}): TelemetrySample => {
  const s = { t } as TelemetrySample;
  for (const name of SIGNALS) s[name] = 0;
  return { ...s, ...over };
};

describe('window statistics (hand-computed)', () => {
  it('mean, population std, interpolated percentiles and entropy of [1, 2, 3, 4]', () => {
    const st = windowStats([4, 1, 3, 2]);
    expect(st.mean).toBe(2.5);
    expect(st.std).toBeCloseTo(Math.sqrt(1.25), 12); // ((1.5² + 0.5²) · 2) / 4
    expect(st.p50).toBeCloseTo(2.5, 12);
    expect(st.p95).toBeCloseTo(3.85, 12); // position 0.95 · 3 = 2.85 → 3 + 0.85
    expect(st.p99).toBeCloseTo(3.97, 12);
    // Bins of width 0.3 over [1, 4]: 1 → bin 0, 2 → 3, 3 → 6, 4 → 9: four equally likely bins = 2 bits.
    expect(st.entropy).toBeCloseTo(2, 12);
  });

  it('entropy of a skewed and of a constant window', () => {
    // Three values in bin 0, one in bin 9: −(¾ log2 ¾ + ¼ log2 ¼) = 0.811278…
    expect(histogramEntropy(0, 1, [0, 0, 0, 1])).toBeCloseTo(0.8112781245, 9);
    expect(windowStats([7, 7, 7]).entropy).toBe(0);
    expect(windowStats([]).mean).toBe(0);
  });

  it('features per window and per-request ratios line up with their names', () => {
    // 10 Hz for 3 s: cpu 0.5 cores, 10 requests/s for the first 2 s and 30 requests/s in the last second.
    const samples: TelemetrySample[] = [];
    for (let i = 1; i <= 30; i++) samples.push(sample(i * 100, { cpuCores: 0.5, requestsPerSec: i > 20 ? 30 : 10 }));
    const names = featureNames({ windowsS: [3, 1] });
    const v = featureVector(samples, 3000, { windowsS: [3, 1] });
    expect(v).toHaveLength(names.length);
    const f = (n: string) => v[names.indexOf(n)];
    expect(f('requestsPerSec.1s.mean')).toBe(30); // samples t ∈ (2000, 3000]
    expect(f('requestsPerSec.3s.mean')).toBeCloseTo((20 * 10 + 10 * 30) / 30, 12);
    expect(f('cpuCores.3s.std')).toBe(0);
    // CPU per request over the longest window: 0.5 / 16.67 = 0.03 core-seconds per request.
    expect(f('cpuCores.perRequest')).toBeCloseTo(0.5 / (500 / 30), 12);
  });

  it('a window length that is not positive is refused with the field named', () => {
    expect(() => featureNames({ windowsS: [5, 0] })).toThrow(/windowsS: 0/);
  });

  it('minute summaries keep mean and p95 per signal', () => {
    const s = summariseMinute('m1', 'web', 0, 60_000, [sample(1, { rssMiB: 10 }), sample(2, { rssMiB: 30 })]);
    expect(s.mean.rssMiB).toBe(20);
    expect(s.p95.rssMiB).toBeCloseTo(29, 12);
    expect(s.samples).toBe(2);
  });
});

describe('/proc parsing and rates', () => {
  it('stat: utime + stime after a command name with spaces and parentheses', () => {
    // Fields: pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime …
    const stat = '4242 (node (a) b) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 11 0 12345 0 0';
    expect(parseStat(stat).cpuTicks).toBe(300);
  });

  it('status and io fields', () => {
    const status = 'Name:\tnode\nVmRSS:\t   51200 kB\nThreads:\t11\nvoluntary_ctxt_switches:\t40\nnonvoluntary_ctxt_switches:\t2\n';
    expect(parseStatus(status)).toEqual({ rssBytes: 51200 * 1024, threads: 11, voluntaryCtxt: 40, involuntaryCtxt: 2 });
    const io = 'rchar: 2048\nwchar: 4096\nsyscr: 7\nsyscw: 9\nread_bytes: 0\n';
    expect(parseIo(io)).toEqual({ rchar: 2048, wchar: 4096, syscr: 7, syscw: 9 });
    expect(() => parseStatus('Name: x\n')).toThrow(/VmRSS/);
  });

  it('derives rates between two readings', () => {
    const proc = { cpuTicks: 100, rssBytes: 1048576, threads: 7, voluntaryCtxt: 10, involuntaryCtxt: 0, syscr: 0, syscw: 0, rchar: 0, wchar: 0 };
    const app = { t: 0, requests: 0, inFlight: 0, eventLoopLagMaxSeconds: 0, gcSeconds: 0 };
    const s = deriveSample(
      { t: 0, proc, app },
      {
        t: 500,
        proc: { ...proc, cpuTicks: 125, rssBytes: 3 * 1048576, voluntaryCtxt: 30, involuntaryCtxt: 5, syscr: 50, syscw: 20, rchar: 10240, wchar: 5120 },
        app: { t: 500, requests: 6, inFlight: 2, eventLoopLagMaxSeconds: 0.04, gcSeconds: 0.01 },
      },
    );
    expect(s.cpuCores).toBeCloseTo(0.5, 12); // 25 ticks / 100 Hz / 0.5 s
    expect(s.rssMiB).toBe(3);
    expect(s.ctxSwitchesPerSec).toBe(50);
    expect(s.readSyscallsPerSec).toBe(100);
    expect(s.writeKiBPerSec).toBe(10);
    expect(s.requestsPerSec).toBe(12);
    expect(s.inFlight).toBe(2);
    expect(s.eventLoopLagMs).toBeCloseTo(40, 12);
    expect(s.gcMsPerSec).toBeCloseTo(20, 12);
    // A later /proc reading without a new scrape (the member's loop was blocked): request and GC
    // rates carry over, /proc rates are fresh.
    const later = deriveSample(
      { t: 500, proc: { ...proc, cpuTicks: 125 }, app: { t: 500, requests: 6, inFlight: 2, eventLoopLagMaxSeconds: 0.04, gcSeconds: 0.01 } },
      { t: 600, proc: { ...proc, cpuTicks: 135 }, app: { t: 500, requests: 6, inFlight: 2, eventLoopLagMaxSeconds: 0.04, gcSeconds: 0.01 } },
      100,
      s,
    );
    expect(later.cpuCores).toBeCloseTo(1, 12); // 10 ticks in 0.1 s
    expect(later.requestsPerSec).toBe(12);
    expect(later.gcMsPerSec).toBeCloseTo(20, 12);
  });

  it('the ring keeps the newest items in order', () => {
    const r = new Ring<{ t: number }>(3);
    for (let t = 1; t <= 5; t++) r.push({ t });
    expect(r.toArray().map((x) => x.t)).toEqual([3, 4, 5]);
    expect(r.since(4).map((x) => x.t)).toEqual([4, 5]);
    expect(() => new Ring(0)).toThrow(/capacity/);
  });
});

describe('features of an update period', () => {
  it('average the sliding-window vectors taken every step', () => {
    // Request rate 10 up to t = 1000 ms, then 20; windows of 1 s evaluated at 2000 and 1000.
    const samples = [500, 1000, 1500, 2000].map((t) => sample(t, { requestsPerSec: t <= 1000 ? 10 : 20 }));
    const names = featureNames({ windowsS: [1] });
    const v = periodFeatures(samples, 0, 2000, { windowsS: [1], stepMs: 1000 });
    // At 2000: mean 20 over (1000, 2000]; at 1000: mean 10 over (0, 1000] → 15.
    expect(v[names.indexOf('requestsPerSec.1s.mean')]).toBe(15);
    expect(() => periodFeatures(samples, 10, 10)).toThrow(/period/);
  });
});

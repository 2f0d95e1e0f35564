import { afterAll, describe, expect, it } from 'vitest';
import { driveLoad } from '../../sim/load-driver';
import { TelemetryCollector } from '../../telemetry/collector';
import { startMember, stopMember, type Member } from '../../telemetry/sample-members';

/**
 * Real processes: a member whose requests block its event loop for 80 ms must read as blocked when
 * sampled at 10 Hz, also when its requests queue. Node's default lag histogram missed that (with
 * requests queued, the scrape is answered between two blocks, and resets the histogram, before the
 * histogram's timer gets to record anything: blocked members read 10–20 ms like the rest), so the
 * sample service exports its own gauge and the collector prefers it.
 */
const SERVICE = 'fp-loop-lag';
const members: Member[] = [];

afterAll(async () => {
  await Promise.all(members.map(stopMember));
});

describe('event-loop lag at 10 Hz', () => {
  it('a member blocking its loop 80 ms per request reads far more lag than a CPU-bound one', async () => {
    members.push(await startMember('blocked', SERVICE, 'eventloop', { SAMPLE_CPU_MS: '80' }));
    members.push(await startMember('busy', SERVICE, 'cpu', { SAMPLE_CPU_MS: '20' }));
    const collector = new TelemetryCollector({ intervalMs: 100, ringCapacity: 1000 });
    collector.setMembers(members.map((m) => ({ id: m.id, pid: m.pid, metricsUrl: `http://127.0.0.1:${m.port}/metrics`, service: SERVICE })));
    collector.start();
    const t0 = Date.now();
    try {
      // 14 requests per second for 8 s at each member: more than a loop blocked 80 ms per request
      // can serve (12.5/s), so requests queue and the blocks come back to back (as in bench:fingerprints).
      await Promise.all(members.map((m) => driveLoad({ url: `http://127.0.0.1:${m.port}/`, series: new Array<number>(8).fill(14), stepSeconds: 1, compression: 1, maxRps: 40, maxDurationSeconds: 8, maxInFlight: 16 })));
    } finally {
      collector.stop();
    }
    const meanLag = (id: string) => {
      const s = collector.samples(id).filter((x) => x.t >= t0 + 1000);
      expect(s.length).toBeGreaterThan(30);
      return s.reduce((a, x) => a + x.eventLoopLagMs, 0) / s.length;
    };
    const blocked = meanLag('blocked');
    const busy = meanLag('busy');
    // A block of 80 ms lands in most 100 ms scrape intervals; the busy member yields every 5 ms.
    expect(blocked).toBeGreaterThan(40);
    expect(blocked).toBeGreaterThan(2 * busy);
  }, 60_000);
});

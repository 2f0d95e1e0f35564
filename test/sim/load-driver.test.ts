import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTarget, driveLoad, isLoopbackHost } from '../../sim/load-driver';

describe('HTTP load driver', () => {
  let server: Server;
  let url: string;
  let hits = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++;
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('replays a series time-compressed and reports latency percentiles', async () => {
    hits = 0;
    const report = await driveLoad({ url, series: [5, 10, 0, 5], stepSeconds: 60, compression: 240, maxRps: 100, maxDurationSeconds: 5 });
    expect(report).toMatchObject({ plannedRequests: 20, sent: 20, ok: 20, failed: 0, cappedSteps: 0, stepsPlayed: 4 });
    expect(hits).toBe(20);
    expect(report.durationSeconds).toBeGreaterThan(0.9);
    expect(report.latencyMs.p50).toBeGreaterThan(0);
    expect(report.latencyMs.p99).toBeGreaterThanOrEqual(report.latencyMs.p50);
  });

  it('bounds the rate and the duration', async () => {
    const capped = await driveLoad({ url, series: [5, 10, 0, 5], stepSeconds: 60, compression: 240, maxRps: 8, maxDurationSeconds: 5 });
    expect(capped).toMatchObject({ sent: 6, cappedSteps: 3 });
    const short = await driveLoad({ url, series: [1, 1, 1, 1, 1, 1, 1, 1], stepSeconds: 60, compression: 240, maxRps: 100, maxDurationSeconds: 0.3 });
    expect(short.stepsPlayed).toBeLessThanOrEqual(2);
    expect(short.durationSeconds).toBeLessThan(1.5);
  });

  it('refuses anything but loopback http targets', async () => {
    expect(isLoopbackHost('localhost')).toBe(true);
    expect(isLoopbackHost('127.0.0.2')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('10.0.0.1')).toBe(false);
    expect(isLoopbackHost('example.com')).toBe(false);
    expect(() => checkTarget('http://10.0.0.1:8080/')).toThrow(/10\.0\.0\.1 is not a loopback address/);
    expect(() => checkTarget('https://127.0.0.1/')).toThrow(/only http/);
    expect(() => checkTarget('not a url')).toThrow(/not a URL/);
    await expect(driveLoad({ url: 'http://192.168.1.1/', series: [1], stepSeconds: 1, compression: 1, maxRps: 1, maxDurationSeconds: 1 })).rejects.toThrow(/loopback/);
  });
});

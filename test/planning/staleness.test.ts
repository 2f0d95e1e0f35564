import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load';
import { judgeStaleness, maxStalenessSeconds } from '../../planning/staleness';

describe('staleness rule', () => {
  it('defaults to three steps and refuses a limit shorter than a step, naming the field', () => {
    expect(maxStalenessSeconds(60)).toBe(180);
    expect(maxStalenessSeconds(60, 300)).toBe(300);
    expect(() => maxStalenessSeconds(60, 30)).toThrow(/metrics\.maxStaleness \(30s\) must be at least one step \(metrics\.stepSeconds 60s\)/);
    expect(() => maxStalenessSeconds(0)).toThrow(/metrics\.stepSeconds must be a finite number > 0/);
  });

  it('is stale past the limit and says by how much, in numbers', () => {
    const now = Date.parse('2026-01-01T00:10:00Z');
    const fresh = judgeStaleness(now - 120_000, now, 180);
    expect(fresh).toMatchObject({ stale: false, ageSeconds: 120 });
    const old = judgeStaleness(now - 181_000, now, 180);
    expect(old.stale).toBe(true);
    expect(old.reason).toBe('newest sample at 2026-01-01T00:06:59.000Z is 181s old, more than metrics.maxStaleness 180s');
    expect(judgeStaleness(undefined, now, 180)).toMatchObject({ stale: true, ageSeconds: Infinity });
    // Clock skew: a sample from the future is fresh, not negative-aged.
    expect(judgeStaleness(now + 5_000, now, 180)).toMatchObject({ stale: false, ageSeconds: 0 });
  });

  it('config: maxStaleness is a duration on real-time sources, at least one step; csv has none', () => {
    const svc = (metrics: string) =>
      `version: 1\nservices:\n  stale-cfg:\n    metrics: ${metrics}\n    capacityPerInstance: 10\n    minInstances: 1\n    maxInstances: 5\n    pricing: { hourlyPerInstance: 0.1 }\n    budget: { monthly: 1000 }\n`;
    const ok = parseConfig(svc('{ source: prometheus, url: "http://127.0.0.1:9090", query: "up", stepSeconds: 60, maxStaleness: 5m, minSeries: 2 }'), 'k.yaml');
    const m = ok.services['stale-cfg'].metrics;
    expect(m.source === 'prometheus' && [m.maxStaleness, m.minSeries]).toEqual([300, 2]);
    expect(() => parseConfig(svc('{ source: prometheus, url: "http://127.0.0.1:9090", query: "up", stepSeconds: 60, maxStaleness: 30s }'), 'k.yaml')).toThrow(
      /services\.stale-cfg\.metrics\.maxStaleness: 30s is shorter than one step \(stepSeconds 60\)/,
    );
    expect(() => parseConfig(svc('{ source: csv, path: a.csv, maxStaleness: 5m }'), 'k.yaml')).toThrow(/maxStaleness/);
  });
});

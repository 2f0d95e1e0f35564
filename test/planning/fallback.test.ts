import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load';
import { consecutiveFailures, judgeFallback } from '../../planning/fallback';

const failed = { forecastFailed: true, fallback: false };
const fellBack = { forecastFailed: false, fallback: true };
const ok = { forecastFailed: false, fallback: false };

describe('fallback rule', () => {
  it('counts failed forecasts (and fallback decisions) in a row at the end of the history', () => {
    expect(consecutiveFailures([])).toBe(0);
    expect(consecutiveFailures([failed, ok, failed, failed])).toBe(2);
    expect(consecutiveFailures([failed, fellBack, failed])).toBe(3);
    expect(consecutiveFailures([failed, failed, ok])).toBe(0);
  });

  it('acts at the threshold with current + step, capped at max, and never scales in', () => {
    const fleet = { current: 4, minInstances: 1, maxInstances: 10 };
    expect(judgeFallback({ failureThreshold: 3, step: 2 }, 1, fleet)).toMatchObject({ use: false, failures: 2, target: 4 });
    const v = judgeFallback({ failureThreshold: 3, step: 2 }, 2, fleet);
    expect(v).toMatchObject({ use: true, failures: 3, target: 6 });
    expect(v.reason).toBe('fallback: 3 failed forecast(s) in a row reached fallback.failureThreshold 3; scale out only: 4 + fallback.step 2 = 6 → 6');
    expect(judgeFallback({ failureThreshold: 1, step: 5 }, 0, { current: 8, minInstances: 1, maxInstances: 10 })).toMatchObject({ use: true, target: 10 });
    // Above max already (max lowered): holds, never shrinks.
    const held = judgeFallback({ failureThreshold: 1, step: 1 }, 0, { current: 12, minInstances: 1, maxInstances: 10 });
    expect(held).toMatchObject({ use: true, target: 12 });
    expect(held.reason).toMatch(/holding 12 .*never scales in/);
  });

  it('names bad inputs and config fields', () => {
    expect(() => judgeFallback({ failureThreshold: 0, step: 1 }, 0, { current: 1, minInstances: 1, maxInstances: 2 })).toThrow(/fallback\.failureThreshold must be a finite number > 0, got 0/);
    expect(() => judgeFallback({ failureThreshold: 1, step: 1.5 }, 0, { current: 1, minInstances: 1, maxInstances: 2 })).toThrow(/fallback\.step must be a whole number/);
    const svc = (extra: string) =>
      `version: 1\nservices:\n  fallback-cfg:\n    metrics: { source: csv, path: a.csv }\n    capacityPerInstance: 10\n    minInstances: 1\n    maxInstances: 5\n    pricing: { hourlyPerInstance: 0.1 }\n    budget: { monthly: 1000 }\n${extra}`;
    expect(parseConfig(svc('    fallback: {}\n'), 'k.yaml').services['fallback-cfg'].fallback).toEqual({ failureThreshold: 3, step: 1 });
    expect(() => parseConfig(svc('    fallback: { failureThreshold: 0 }\n'), 'k.yaml')).toThrow(/services\.fallback-cfg\.fallback\.failureThreshold: Too small/);
    expect(() => parseConfig(svc('    fallback: { replicas: 3 }\n'), 'k.yaml')).toThrow(/fallback.*replicas|Unrecognized key/);
  });
});

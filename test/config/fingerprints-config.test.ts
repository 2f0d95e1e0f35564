import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load';
import { resolveSchedulesConfig } from '../../schedules/definitions';
import { createSandbox, serviceConfig, TEST_POOLS } from '../helpers/sandbox';

/** The `fingerprints:` block: defaults, the summaries directory relative to the config, errors that name the field. */
function errorOf(services: Record<string, Record<string, unknown>>): string {
  const sb = createSandbox();
  try {
    loadConfig(sb.writeConfig(services));
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('the config was accepted');
}

describe('fingerprints config', () => {
  it('fills defaults and resolves summariesDir against the config file', () => {
    const sb = createSandbox();
    const cfg = loadConfig(sb.writeConfig({ web: serviceConfig('x.csv', { fingerprints: { summariesDir: 'telemetry', capacity: { cpu: 2, memoryMiB: 4096 } } }) }));
    expect(cfg.services.web.fingerprints).toEqual({
      enabled: true,
      summariesDir: join(sb.dir, 'telemetry'),
      maxAge: 180,
      horizonSteps: 5,
      capacity: { cpu: 2, memoryMiB: 4096 },
      loop: { threshold: 0.1, windows: 3, everyWindows: 60, holdBack: 5, maxPeriods: 1440 },
    });
    expect(resolveSchedulesConfig(cfg.schedules).fingerprints).toEqual({ every: 900, paused: false });
  });

  it('names the bad field', () => {
    expect(errorOf({ web: serviceConfig('x.csv', { fingerprints: {} }) })).toMatch(/services\.web\.fingerprints\.capacity/);
    expect(errorOf({ web: serviceConfig('x.csv', { fingerprints: { capacity: { cpu: 0, memoryMiB: 1 } } }) })).toMatch(/services\.web\.fingerprints\.capacity\.cpu/);
    expect(errorOf({ web: serviceConfig('x.csv', { fingerprints: { capacity: { cpu: 1, memoryMiB: 1 }, horizonSteps: 0 } }) })).toMatch(/services\.web\.fingerprints\.horizonSteps/);
    expect(errorOf({ web: serviceConfig('x.csv', { fingerprints: { capacity: { cpu: 1, memoryMiB: 1 }, maxAge: 'soon' } }) })).toMatch(/services\.web\.fingerprints\.maxAge/);
    expect(errorOf({ web: serviceConfig('x.csv', { fingerprints: { capacity: { cpu: 1, memoryMiB: 1 }, loop: { windows: 0 } } }) })).toMatch(/services\.web\.fingerprints\.loop\.windows/);
    expect(errorOf({ web: serviceConfig('x.csv', { fingerprints: { capacity: { cpu: 1, memoryMiB: 1 }, typo: 1 } }) })).toMatch(/services\.web\.fingerprints.*typo/);
    const tiered = serviceConfig('x.csv', { computeTypes: { cpu: { capacity: { requestsPerSecond: 10 }, instanceTypes: ['c6i.xlarge'] } }, pools: TEST_POOLS, fingerprints: { capacity: { cpu: 1, memoryMiB: 1 } } });
    expect(errorOf({ web: tiered })).toMatch(/services\.web\.fingerprints: fingerprint dimensions plan a single pool for now/);
  });
});

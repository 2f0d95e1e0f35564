import { describe, expect, it } from 'vitest';
import { planRollout, planVerticalChange, selectTemplate, type ConfigTemplate } from '../../planning/vertical';

const v1: ConfigTemplate = { version: 1, computeType: 'general', instanceTypes: ['m5.large'], capacity: { cpu: 2 } };
const v2: ConfigTemplate = { version: 2, computeType: 'general', instanceTypes: ['m5.xlarge'], capacity: { cpu: 4 }, note: 'double the CPU' };

describe('selectTemplate', () => {
  it('returns the asked version', () => {
    expect(selectTemplate([v1, v2], 2)).toBe(v2);
  });
  it('rejects unknown versions, duplicates and empty instance types, saying what to do', () => {
    expect(() => selectTemplate([v1, v2], 3)).toThrow(/unknown template version 3 \(known: 1, 2\)/);
    expect(() => selectTemplate([v1, { ...v2, version: 1 }], 1)).toThrow(/version 1 is defined twice/);
    expect(() => selectTemplate([v1, { ...v2, instanceTypes: [] }], 1)).toThrow(/template 2: instanceTypes is empty/);
    expect(() => selectTemplate([{ ...v1, capacity: { cpu: 0 } }], 1)).toThrow(/capacity\.cpu must be a finite number > 0/);
  });
});

describe('planVerticalChange', () => {
  it('replaces in batches of surge + unavailability, never below the healthy minimum, with a rollback plan', () => {
    const plan = planVerticalChange(v1, v2, 10, { maxSurgePercent: 25, minHealthyPercent: 90 });
    expect(plan.template).toBe(v2);
    // surge ceil(2.5) = 3, min healthy ceil(9) = 9 → 1 may be down: batches of 4.
    expect(plan.rollout).toMatchObject({ fromVersion: 1, toVersion: 2, maxSurge: 3, minHealthy: 9, batchSize: 4 });
    expect(plan.rollout.steps.map((s) => s.replace)).toEqual([4, 4, 2]);
    expect(plan.rollout.steps.map((s) => s.newAfter)).toEqual([4, 8, 10]);
    for (const s of plan.rollout.steps) {
      expect(s.minInService).toBeGreaterThanOrEqual(9);
      expect(s.peakRunning).toBeLessThanOrEqual(13);
    }
    expect(plan.rollback.template).toBe(v1);
    expect(plan.rollback.rollout).toMatchObject({ fromVersion: 2, toVersion: 1, batchSize: 4 });
    expect(plan.rollback.rollout.steps).toHaveLength(3);
    expect(plan.rollout.explanation).toBe('template 1 → 2: 10 instances in 3 step(s) of up to 4 (surge 3, at least 9 in service)');
  });

  it('without surge, replaces within the unavailability budget only', () => {
    const r = planRollout(1, 2, 5, { maxSurgePercent: 0, minHealthyPercent: 60 });
    expect(r.steps.map((s) => [s.replace, s.terminateFirst, s.minInService, s.peakRunning])).toEqual([[2, 2, 3, 5], [2, 2, 3, 5], [1, 1, 4, 5]]);
  });

  it('holds the invariants for every size and setting', () => {
    for (let replicas = 0; replicas <= 30; replicas++) {
      for (const surge of [0, 10, 25, 100]) {
        for (const healthy of [0, 50, 75, 100]) {
          const opts = { maxSurgePercent: surge, minHealthyPercent: healthy };
          if (surge === 0 && replicas > 0 && Math.ceil((replicas * healthy) / 100) === replicas) {
            expect(() => planRollout(1, 2, replicas, opts)).toThrow(/allow no progress/);
            continue;
          }
          const r = planRollout(1, 2, replicas, opts);
          expect(r.steps.reduce((s, x) => s + x.replace, 0)).toBe(replicas);
          for (const s of r.steps) {
            expect(s.minInService).toBeGreaterThanOrEqual(r.minHealthy);
            expect(s.peakRunning).toBeLessThanOrEqual(replicas + r.maxSurge);
          }
        }
      }
    }
  });

  it('rejects a no-op change, a reused version and settings that cannot progress', () => {
    expect(() => planVerticalChange(v1, { ...v1, version: 2 }, 4, { maxSurgePercent: 25, minHealthyPercent: 75 })).toThrow(/changes nothing/);
    expect(() => planVerticalChange(v1, { ...v2, version: 1 }, 4, { maxSurgePercent: 25, minHealthyPercent: 75 })).toThrow(/share version 1/);
    expect(() => planVerticalChange(v1, v2, 4, { maxSurgePercent: 0, minHealthyPercent: 100 })).toThrow(/allow no progress/);
    expect(() => planVerticalChange(v1, v2, -1, { maxSurgePercent: 25, minHealthyPercent: 75 })).toThrow(/replicas must be a whole number/);
    expect(() => planVerticalChange(v1, v2, 4, { maxSurgePercent: 25, minHealthyPercent: 120 })).toThrow(/minHealthyPercent must be <= 100/);
  });

  it('a fleet of zero swaps the template with no steps', () => {
    expect(planVerticalChange(v1, v2, 0, { maxSurgePercent: 25, minHealthyPercent: 75 }).rollout.steps).toEqual([]);
  });
});

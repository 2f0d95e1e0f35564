import { describe, expect, it } from 'vitest';
import { driftVerdict } from '../../fingerprints/drift';

describe('adaptive loop trigger', () => {
  const policy = { threshold: 0.05, windows: 3, everyWindows: 60 };

  it('refits when a cluster misses N windows in a row, not for a single spike', () => {
    expect(driftVerdict({ c0: [0.01, 0.2, 0.01], c1: [0.02, 0.03, 0.04] }, 10, policy).refit).toBe(false);
    const v = driftVerdict({ c0: [0.01, 0.06, 0.07, 0.09], c1: [0.02, 0.03] }, 10, policy);
    expect(v).toEqual({ refit: true, drifting: ['c0'], reason: 'cluster c0: error above 0.05 for 3 windows in a row' });
  });

  it('refits on schedule, and refuses a bad policy', () => {
    expect(driftVerdict({ c0: [0.01] }, 60, policy).reason).toBe('scheduled: 60 windows since the last fit');
    expect(() => driftVerdict({}, 0, { threshold: 0.1, windows: 0 })).toThrow(/windows must be a whole number/);
  });
});

import { describe, expect, it } from 'vitest';
import { decisionInputProblems } from '../../decision/input-validation';

const good = { decisionId: 'web-20261122101500-ab12', service: 'web', trigger: { kind: 'api' } };

describe('decision input validation', () => {
  it('accepts what the client sends', () => {
    expect(decisionInputProblems(good)).toEqual([]);
    expect(decisionInputProblems({ ...good, dryRun: true, targetOverride: 0, timeouts: { stepSeconds: 10, verifySeconds: 10 } })).toEqual([]);
  });

  it('names each bad field and its fix', () => {
    expect(decisionInputProblems('web')).toEqual([expect.stringMatching(/^input is "web"; pass one object/)]);
    expect(decisionInputProblems({ ...good, service: 'Web_1' })).toEqual([
      expect.stringMatching(/^service is "Web_1"; use a service name of kinetic.yaml \(lowercase letters, digits, dashes/),
    ]);
    expect(decisionInputProblems({ ...good, decisionId: 'checkout-20261122101500-ab12' })).toEqual([
      expect.stringMatching(/^decisionId is "checkout-20261122101500-ab12"; use "<service>-<UTC yyyymmddhhmmss>-<4 hex digits>" with the same service, e.g. "web-/),
    ]);
    expect(decisionInputProblems({ ...good, trigger: { kind: 'cron' } })).toEqual([expect.stringMatching(/^trigger is \{"kind":"cron"\}; pass \{ "kind": one of manual, api/)]);
    expect(decisionInputProblems({ ...good, targetOverride: 2.5 })).toEqual([expect.stringMatching(/^targetOverride is 2.5; use a whole number of instances from 0 to 100000/)]);
    expect(decisionInputProblems({ ...good, targetOverride: -1 })).toHaveLength(1);
    expect(decisionInputProblems({ ...good, dryRun: 'yes' })).toEqual(['dryRun is "yes"; use true, false or leave it out']);
    expect(decisionInputProblems({ ...good, timeouts: { stepSeconds: 0, provisionSecond: 5, verifySeconds: 'fast' } })).toEqual([
      'timeouts.stepSeconds is 0; use a number of seconds from 1 to 3600',
      'timeouts.provisionSecond is not a timeout; use stepSeconds, forecastSeconds, provisionSeconds, heartbeatSeconds, verifySeconds',
      'timeouts.verifySeconds is "fast"; use a number of seconds from 1 to 86400',
    ]);
  });
});

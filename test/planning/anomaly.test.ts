import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anomalyContext } from '../../activities/anomaly-history';
import type { DecisionRecord } from '../../decision/record';
import { planCapacity } from '../../decision/plan';
import { reviewPlan } from '../../decision/review';
import { DEFAULT_ANOMALY_POLICY, detectAnomalies, type AnomalyHistoryEntry } from '../../planning/anomaly';
import { forecastOf, singlePoolContext } from '../decision/context';

const NOW = 1_800_000_000_000;
const P = DEFAULT_ANOMALY_POLICY;
const ago = (s: number) => NOW - s * 1000;
const ran = (to: number, secondsAgo: number, from = to): AnomalyHistoryEntry => ({ at: ago(secondsAgo), from, to, outcome: from === to ? 'no-change' : 'committed', auto: true });
const base = { maxInstances: 20, now: NOW, history: [] as AnomalyHistoryEntry[] };

describe('anomaly: target vs the forecast-implied target (ratio)', () => {
  it('sends a target 3× or more above (or below) the forecast to a person, with the numbers', () => {
    expect(detectAnomalies({ ...base, from: 4, to: 18, forecastTarget: 5 }, P)).toEqual([
      { id: 'anomaly:forecast-ratio', message: 'target 18 is 3.6× the forecast-implied target 5 (approval.anomaly.ratio 3); a person must confirm it' },
    ]);
    expect(detectAnomalies({ ...base, from: 12, to: 3, forecastTarget: 12 }, P)).toEqual([
      { id: 'anomaly:forecast-ratio', message: 'target 3 is 1/4 of the forecast-implied target 12 (approval.anomaly.ratio 3); a person must confirm it' },
    ]);
    // 2.8× is inside the ratio.
    expect(detectAnomalies({ ...base, from: 4, to: 14, forecastTarget: 5 }, P)).toEqual([]);
  });

  it('ignores departures smaller than minChange (small fleets move in big ratios) and plans that follow the forecast', () => {
    expect(detectAnomalies({ ...base, from: 1, to: 3, forecastTarget: 1 }, P)).toEqual([]);
    expect(detectAnomalies({ ...base, from: 1, to: 4, forecastTarget: 1 }, P).map((f) => f.id)).toEqual(['anomaly:forecast-ratio']);
    expect(detectAnomalies({ ...base, from: 2, to: 19, forecastTarget: 19 }, P)).toEqual([]);
    expect(detectAnomalies({ ...base, from: 2, to: 19, forecastTarget: undefined }, P)).toEqual([]);
  });
});

describe('anomaly: target vs the service recent history (z-score)', () => {
  const steady = [10, 11, 10, 9, 10, 10].map((n, i) => ran(n, 3600 * (6 - i)));

  it('a target far outside the recent fleet sizes needs a person; one inside their spread does not', () => {
    const [f] = detectAnomalies({ ...base, from: 10, to: 16, forecastTarget: 16, history: steady }, P);
    // mean 10, sample sd 0.63 → spread max(0.63, 1, 10% of 10) = 1 → z = 6.
    expect(f).toEqual({
      id: 'anomaly:history-zscore',
      message: 'target 16 is 6 standard deviations above the 6 fleet sizes of the last 24h (mean 10, spread 1; approval.anomaly.zScore 4); a person must confirm it',
    });
    expect(detectAnomalies({ ...base, from: 10, to: 13, forecastTarget: 13, history: steady }, P)).toEqual([]);
    expect(detectAnomalies({ ...base, from: 10, to: 4, forecastTarget: 4, history: steady }, P).map((x) => x.id)).toEqual(['anomaly:history-zscore']);
  });

  it('needs minHistory decisions inside the window, counts only outcomes the fleet ran', () => {
    expect(detectAnomalies({ ...base, from: 10, to: 16, forecastTarget: 16, history: steady.slice(1) }, P)).toEqual([]);
    const old = steady.map((h) => ({ ...h, at: h.at - 86_400_000 }));
    expect(detectAnomalies({ ...base, from: 10, to: 16, forecastTarget: 16, history: old }, P)).toEqual([]);
    const rejected = steady.map((h) => ({ ...h, outcome: 'approval-rejected' }));
    expect(detectAnomalies({ ...base, from: 10, to: 16, forecastTarget: 16, history: rejected }, P)).toEqual([]);
    expect(detectAnomalies({ ...base, from: 10, to: 16, forecastTarget: 16, history: steady }, { ...P, zScore: 7 })).toEqual([]);
  });
});

describe('anomaly: a runaway of auto-approved scale-outs to maxInstances', () => {
  // 2 → 5 → 8 automatically in the last 10 minutes; now 8 → 12, the maximum.
  const walk = [ran(5, 600, 2), ran(8, 300, 5)];

  it('the third automatic scale-out in a row that reaches the maximum needs a person', () => {
    expect(detectAnomalies({ ...base, maxInstances: 12, from: 8, to: 12, forecastTarget: 12, history: walk }, P)).toEqual([
      {
        id: 'anomaly:runaway',
        message: '3 auto-approved scale-outs in a row take the fleet 2 → 12, its maxInstances 12, within 10m (approval.anomaly.runawaySteps 3 within 15m); a person must confirm it',
      },
    ]);
  });

  it('not below the maximum, not outside the window, not when a person approved a step or a scale-in broke the run', () => {
    const plan = { ...base, maxInstances: 12, from: 8, forecastTarget: 12 };
    expect(detectAnomalies({ ...plan, to: 11, history: walk }, P)).toEqual([]);
    expect(detectAnomalies({ ...plan, to: 12, history: walk }, { ...P, runawayWindow: 400 })).toEqual([]);
    expect(detectAnomalies({ ...plan, to: 12, history: [walk[0], { ...walk[1], auto: false }] }, P)).toEqual([]);
    expect(detectAnomalies({ ...plan, to: 12, history: [walk[0], ran(3, 450, 5), ran(8, 300, 3)] }, P)).toEqual([]);
    // A no-change decision in between does not break the run.
    expect(detectAnomalies({ ...plan, to: 12, history: [walk[0], ran(5, 400), walk[1]] }, P).map((f) => f.id)).toEqual(['anomaly:runaway']);
    expect(detectAnomalies({ ...plan, to: 12, history: walk }, { ...P, runawaySteps: 4 })).toEqual([]);
  });
});

describe('anomaly policy', () => {
  it('off means off; bad settings are named', () => {
    expect(detectAnomalies({ ...base, from: 4, to: 18, forecastTarget: 5 }, { ...P, enabled: false })).toEqual([]);
    expect(() => detectAnomalies({ ...base, from: 4, to: 18 }, { ...P, ratio: 1 })).toThrow(/approval\.anomaly\.ratio must be above 1/);
    expect(() => detectAnomalies({ ...base, from: 4, to: 18 }, { ...P, zScore: -1 })).toThrow(/approval\.anomaly\.zScore must be a finite number > 0/);
    expect(() => detectAnomalies({ ...base, from: 4, to: 18 }, { ...P, minHistory: 1 })).toThrow(/approval\.anomaly\.minHistory must be at least 2/);
    expect(() => detectAnomalies({ ...base, from: 4, to: 18 }, { ...P, runawaySteps: 0 })).toThrow(/approval\.anomaly\.runawaySteps must be at least 1/);
    expect(() => detectAnomalies({ ...base, from: -1, to: 18 }, P)).toThrow(/from must be a whole number/);
  });

  it('a plan equal to the forecast and to a steady history is never anomalous (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 0, max: 500 }), (level, from) => {
        const history = Array.from({ length: 8 }, (_, i) => ran(level, 600 * (8 - i)));
        const found = detectAnomalies({ from, to: level, forecastTarget: level, maxInstances: 1000, now: NOW, history }, P);
        expect(found).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('anomaly rules in the plan review', () => {
  const record = (i: number, to: number, from: number, mode: 'auto' | 'manual', outcome: DecisionRecord['outcome'] = 'committed'): DecisionRecord =>
    ({
      id: `d${i}`, service: 'web', workflowId: 'w', runId: 'r', trigger: { kind: 'api' }, dryRun: false, stage: 'done', compensation: [], timings: {},
      startedAt: new Date(ago(700 - i * 100)).toISOString(), finishedAt: new Date(ago(650 - i * 100)).toISOString(), outcome,
      plan: { from, to } as DecisionRecord['plan'], approval: { mode, reasons: [], decision: 'approved' },
    }) as DecisionRecord;

  it('anomalyContext reads the audit records (defaults filled in) and the review adds `anomaly:*` reasons', () => {
    const records = [record(1, 5, 2, 'auto'), record(2, 8, 5, 'auto'), { ...record(3, 9, 8, 'auto'), dryRun: true }];
    const anomaly = anomalyContext({ ratio: 5, historyWindow: undefined }, records, NOW);
    expect(anomaly.policy).toEqual({ ...P, ratio: 5 });
    expect(anomaly.history.map((h) => [h.from, h.to, h.auto])).toEqual([[2, 5, true], [5, 8, true]]);
    const c = singlePoolContext({ maxInstances: 12, current: { service: 'web', tiers: { default: 8 }, total: 8 }, anomaly, policy: { maxInstances: 12 } });
    // Demand for 12 instances: inside the auto-approve bounds, but the third automatic step to the maximum.
    const review = reviewPlan(c, planCapacity(c, forecastOf({ p50: 120, p90: 120, p99: 120 })), NOW);
    expect(review.plan).toMatchObject({ from: 8, to: 12 });
    expect(review.approval.auto).toBe(false);
    expect(review.approval.reasons).toEqual([expect.stringMatching(/^anomaly:runaway: 3 auto-approved scale-outs in a row take the fleet 2 → 12/)]);
    // The same plan without the context's anomaly block (contexts recorded by older code) is automatic.
    expect(reviewPlan({ ...c, anomaly: undefined }, review.plan, NOW).approval).toEqual({ auto: true, reasons: [] });
  });

  it('a bad anomaly setting from kinetic.yaml is named', () => {
    expect(() => anomalyContext({ ratio: 0.5 }, [], NOW)).toThrow(/approval\.anomaly\.ratio/);
  });
});

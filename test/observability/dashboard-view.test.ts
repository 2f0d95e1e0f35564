import { describe, expect, it } from 'vitest';
import type { BudgetReportRow } from '../../activities/budget-report';
import type { DecisionRecord } from '../../decision/record';
import type { PredictionRecord } from '../../store/prediction-store';
import {
  accuracyWindows,
  budgetLevels,
  capacitySeries,
  decisionMarker,
  downsample,
  forecastBand,
  observedPoints,
  realisedAt,
  serviceView,
  webUiLink,
} from '../../observability/dashboard/view-model';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);
const LINKS = { webUiUrl: 'http://ui:8233/', namespace: 'default' };

function record(id: string, startMin: number, outcome: DecisionRecord['outcome'], plan?: { from: number; to: number }, extra: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    id,
    service: 'web',
    workflowId: 'scale-web',
    runId: `run-${id}`,
    trigger: 'manual',
    dryRun: false,
    stage: 'done',
    outcome,
    compensation: [],
    timings: {},
    startedAt: new Date(T0 + startMin * MIN).toISOString(),
    finishedAt: new Date(T0 + (startMin + 1) * MIN).toISOString(),
    ...(plan ? { plan: { ...plan, direction: plan.to > plan.from ? 'out' : plan.to < plan.from ? 'in' : 'none', needed: plan.to, tiers: {}, hourlyCostBefore: 0, hourlyCostAfter: 0, reason: '' } } : {}),
    ...extra,
  } as DecisionRecord;
}

function prediction(madeAtMin: number, targetsMin: number[], ensemble: number[], peakP90: number): PredictionRecord {
  return { id: `p${madeAtMin}`, service: 'web', decisionId: `d${madeAtMin}`, madeAt: T0 + madeAtMin * MIN, stepSeconds: 60, targets: targetsMin.map((m) => T0 + m * MIN), perModel: {}, ensemble, weights: {}, weightsVersion: 0, peakP90 };
}

describe('dashboard view model', () => {
  it('turns a metric series into points, dropping gaps and what lies before the window', () => {
    const series = { start: T0, stepSeconds: 60, values: [1, NaN, 3, 4], gaps: [{ index: 1, length: 1 }] };
    expect(observedPoints(series)).toEqual([[T0, 1], [T0 + 2 * MIN, 3], [T0 + 3 * MIN, 4]]);
    expect(observedPoints(series, T0 + 3 * MIN)).toEqual([[T0 + 3 * MIN, 4]]);
  });

  it('downsamples into equal buckets keeping each bucket’s first time and its peak', () => {
    const pts: Array<[number, number]> = [[0, 1], [1, 5], [2, 2], [3, 0], [4, 7], [5, 3], [6, 9]];
    // 7 points into at most 3: buckets of ceil(7/3) = 3 → [0..2] peak 5, [3..5] peak 7, [6] peak 9.
    expect(downsample(pts, 3)).toEqual([[0, 5], [3, 7], [6, 9]]);
    expect(downsample(pts, 10)).toEqual(pts);
  });

  it('draws the stored forecasts as P50 with a band as wide as each one’s P90 lead over its point peak, the newest winning a step', () => {
    // Older: path 50, 50 (peak 50), P90 peak 60 → half-width 10. Newest: path 10, 30, 20 (peak 30),
    // P90 peak 36 → half-width 6; 10 − 6 = 4. Both forecast minute 2: the newest's 10 wins.
    const older = prediction(0, [1, 2], [50, 50], 60);
    const newest = prediction(1, [2, 3, 4], [10, 30, 20], 36);
    const band = forecastBand([newest, older])!;
    expect(band.decisionId).toBe('d1');
    expect(band.p50).toEqual([[T0 + 1 * MIN, 50], [T0 + 2 * MIN, 10], [T0 + 3 * MIN, 30], [T0 + 4 * MIN, 20]]);
    expect(band.p90.map((p) => p[1])).toEqual([60, 16, 36, 26]);
    expect(band.p10.map((p) => p[1])).toEqual([40, 4, 24, 14]);
    // From minute 3 on: the older prediction's steps are gone.
    expect(forecastBand([newest, older], T0 + 3 * MIN)!.p50).toEqual([[T0 + 3 * MIN, 30], [T0 + 4 * MIN, 20]]);
    // Downsampled to 2 points: buckets [1, 2] and [3, 4]; the upper edge keeps peaks, the lower edge minima.
    const coarse = forecastBand([newest, older], -Infinity, 2)!;
    expect(coarse.p90).toEqual([[T0 + 1 * MIN, 60], [T0 + 3 * MIN, 36]]);
    expect(coarse.p10).toEqual([[T0 + 1 * MIN, 4], [T0 + 3 * MIN, 14]]);
    expect(forecastBand([prediction(0, [1], [2], 10)])!.p10[0][1]).toBe(0);
    expect(forecastBand([])).toBeUndefined();
  });

  it('plots planned and ready instances per decision: committed reaches what verification saw, others stay where they started', () => {
    const records = [
      record('a', 0, 'committed', { from: 2, to: 6 }, { verification: { ok: true, expected: 6, healthy: 6, reasons: [] } }),
      record('b', 10, 'approval-rejected', { from: 6, to: 3 }),
      record('c', 20, 'dry-run', { from: 6, to: 8 }),
      record('d', 30, 'stale-metrics'), // no plan: no capacity point
    ];
    const { planned, ready } = capacitySeries(records);
    expect(planned).toEqual([[T0 + 1 * MIN, 6], [T0 + 11 * MIN, 3], [T0 + 21 * MIN, 8]]);
    expect(ready).toEqual([[T0 + 1 * MIN, 6], [T0 + 11 * MIN, 6], [T0 + 21 * MIN, 6]]);
  });

  it('links each decision to its Web UI history and its explain command', () => {
    const m = decisionMarker(record('web-20261127120000-abcd', 0, 'committed', { from: 2, to: 6 }), LINKS);
    expect(m).toMatchObject({ outcome: 'committed', direction: 'out', from: 2, to: 6, t: T0 });
    expect(m.webUi).toBe('http://ui:8233/namespaces/default/workflows/scale-web/run-web-20261127120000-abcd/history');
    expect(webUiLink({ webUiUrl: 'http://ui', namespace: 'a b' }, 'w/1')).toBe('http://ui/namespaces/a%20b/workflows/w%2F1');
  });

  it('keeps the reason of the newest 12 decisions only', () => {
    const records = Array.from({ length: 14 }, (_, k) => record(`r${k}`, k, 'no-change', { from: 2, to: 2 }, { reason: `why ${k}` }));
    const view = serviceView({ service: 'web', metric: 'rps', stepSeconds: 60, now: T0 + 60 * MIN, historyMs: 120 * MIN, maxPoints: 100, records, predictions: [], running: [], budgetRows: [], links: LINKS, problems: [] });
    expect(view.markers.map((m) => m.reason ?? null)).toEqual([null, null, ...Array.from({ length: 12 }, (_, k) => `why ${k + 2}`)]);
  });

  it('scores the ensemble over the 1/5/15/60-minute windows that end now', () => {
    const now = T0 + 60 * MIN;
    // Realised demand 100 at every step; forecast steps 2, 10 and 50 minutes ago and one in the future.
    const p = prediction(0, [58, 50, 10, 61], [110, 80, 100, 1], 0);
    const realised = realisedAt({ start: T0, stepSeconds: 60, values: Array.from({ length: 61 }, () => 100), gaps: [] });
    const acc = accuracyWindows([p], realised, now);
    // 1 min: none. 5 min: the step 2 min ago (|100−110|/100 = 0.1). 15 min: + 10 min ago (0.2) → 0.15.
    // 60 min: + 50 min ago (0) → 0.1. The future step never counts.
    expect(acc.map((a) => a.points)).toEqual([0, 1, 2, 3]);
    expect(acc[0].mape).toBeNull();
    expect(acc[1].mape).toBeCloseTo(0.1);
    expect(acc[2].mape).toBeCloseTo(0.15);
    expect(acc[3].mape).toBeCloseTo(0.1);
    expect(acc[3].accuracy).toBeCloseTo(0.9);
  });

  it('lists the budget levels a service counts against, its own first', () => {
    const row = (id: string, level: string, name: string, pct: number, parent?: string): BudgetReportRow => ({ id, level, name, parent, limit: 100, committedMonthly: 0, reservedMonthly: 0, pct, accrued: 0, alerts: [] });
    const rows = [row('company:acme', 'company', 'acme', 40), row('project:shop', 'project', 'shop', 70, 'company:acme'), row('service:web', 'service', 'web', 90, 'project:shop'), row('service:api', 'service', 'api', 10, 'project:shop')];
    expect(budgetLevels(rows, 'web').map((l) => [l.level, l.pct])).toEqual([['service', 90], ['project', 70], ['company', 40]]);
    expect(budgetLevels(rows, 'nope')).toEqual([]);
  });

  it('assembles a panel: decisions in the window as markers, a pending approval listed and marked once', () => {
    const now = T0 + 60 * MIN;
    const view = serviceView({
      service: 'web',
      metric: 'rps',
      stepSeconds: 60,
      now,
      historyMs: 30 * MIN,
      maxPoints: 100,
      records: [record('old', 10, 'committed', { from: 1, to: 2 }), record('new', 40, 'no-change', { from: 2, to: 2 }, { reason: 'nothing to do' })],
      predictions: [],
      running: [{ decisionId: 'wait', workflowId: 'scale-web', runId: 'r', startTime: now - 120_000 }],
      budgetRows: [],
      links: LINKS,
      problems: [],
    });
    expect(view.since).toBe(T0 + 30 * MIN);
    expect(view.markers.map((m) => [m.id, m.outcome])).toEqual([['new', 'no-change'], ['wait', 'awaiting-approval']]);
    expect(view.markers[0].reason).toBe('nothing to do');
    expect(view.pending).toEqual([{ id: 'wait', workflowId: 'scale-web', since: now - 120_000, ageSeconds: 120, webUi: 'http://ui:8233/namespaces/default/workflows/scale-web/r/history', approve: 'kinetic approve wait --as <you>' }]);
    expect(view.observed).toEqual([]);
    expect(view.stepSeconds).toBe(60); // no series read: the configured step
  });
});

/**
 * The live dashboard's view model (README "Live dashboard"): pure functions turning what the
 * stores hold — metric series, audit records, stored predictions, visibility rows, the budget
 * report — into what one service's panel draws. No I/O here; `sources.ts` reads the stores.
 */
import type { BudgetReportRow } from '../../activities/budget-report';
import type { DecisionRecord } from '../../decision/record';
import type { MetricSeries } from '../../metrics/contract';
import type { PredictionRecord } from '../../store/prediction-store';

/** A point of a time series: epoch ms and a value. */
export type Point = [t: number, v: number];

export interface ForecastBand {
  /** When the newest forecast was made, and the decision that acted on it. */
  madeAt: number;
  decisionId?: string;
  p50: Point[];
  /** P10 and P90 per step (the band's lower and upper edge). */
  p10: Point[];
  p90: Point[];
}

export interface DecisionMarker {
  id: string;
  /** When the decision started (epoch ms). */
  t: number;
  /** The outcome, or `awaiting-approval` while a person has not answered. */
  outcome: string;
  direction: string;
  from?: number;
  to?: number;
  /** Why it ended so (the newest REASONS_KEPT decisions only). */
  reason?: string;
  /** The decision's page in the Temporal Web UI (`kinetic explain <id>` tells the same in words). */
  webUi: string;
}

export interface PendingApproval {
  id: string;
  workflowId: string;
  since: number;
  ageSeconds: number;
  webUi: string;
  approve: string;
}

export interface AccuracyWindow {
  minutes: number;
  /** Forecast steps whose time fell in the window and whose realised demand is known. */
  points: number;
  /** Mean absolute percentage error of the ensemble (a ratio; null without points). */
  mape: number | null;
  /** 1 − MAPE, floored at 0 (null without points). */
  accuracy: number | null;
}

export interface BudgetLevel {
  level: string;
  name: string;
  limit: number;
  /** Projected monthly spend as a share of the limit, in percent. */
  pct: number;
  alerts: string[];
}

export interface ServiceView {
  service: string;
  metric: string;
  stepSeconds: number;
  now: number;
  /** Where the charts start (now − the history window). */
  since: number;
  observed: Point[];
  forecast?: ForecastBand;
  /** Instances each decision planned, and the fleet it left ready (step series). */
  planned: Point[];
  ready: Point[];
  markers: DecisionMarker[];
  pending: PendingApproval[];
  budget: BudgetLevel[];
  accuracy: AccuracyWindow[];
  /** What could not be read (a store or Temporal unreachable), in words; the rest still shows. */
  problems: string[];
}

export const ACCURACY_WINDOWS_MINUTES = [1, 5, 15, 60] as const;

/** Where a decision's links point: the Temporal Web UI and the namespace it lists workflows in. */
export interface LinkContext {
  webUiUrl: string;
  namespace: string;
}

export function webUiLink(ctx: LinkContext, workflowId: string, runId?: string): string {
  const base = `${ctx.webUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(ctx.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}

/** Two decimals are more than a chart can show, and keep the page small. */
const round2 = (v: number) => Math.round(v * 100) / 100;

/** The observed series as points, gaps (NaN) dropped, from `since` on. */
export function observedPoints(series: MetricSeries, since = -Infinity): Point[] {
  const step = series.stepSeconds * 1000;
  const out: Point[] = [];
  series.values.forEach((v, i) => {
    const t = series.start + i * step;
    if (Number.isFinite(v) && t >= since) out.push([t, round2(v)]);
  });
  return out;
}

/**
 * At most `max` points: consecutive points are grouped into equal buckets and each bucket keeps
 * its first time and its largest value (`pick` = Math.min for a lower edge), so peaks (what
 * capacity is sized for) survive.
 */
export function downsample(points: readonly Point[], max: number, pick: (a: number, b: number) => number = Math.max): Point[] {
  if (points.length <= max || max < 1) return points.slice();
  const size = Math.ceil(points.length / max);
  const out: Point[] = [];
  for (let i = 0; i < points.length; i += size) {
    let v = points[i][1];
    for (let j = i + 1; j < Math.min(points.length, i + size); j++) v = pick(v, points[j][1]);
    out.push([points[i][0], v]);
  }
  return out;
}

/**
 * The stored forecasts from `since` on as a P50 line and a P10–P90 band: the past (what was
 * predicted for each step, the newest prediction for a step winning) and the next steps of the
 * newest prediction. The store keeps each ensemble point path and its P90 window peak; the band's
 * half-width is that peak's lead over the path's peak (the planner's P90 buffer), drawn around
 * every step of that prediction and floored at 0 below.
 */
export function forecastBand(predictions: readonly PredictionRecord[], since = -Infinity, maxPoints = Infinity): ForecastBand | undefined {
  const ordered = predictions.filter((p) => p.ensemble.length > 0 && p.targets[p.targets.length - 1] >= since).sort((a, b) => a.madeAt - b.madeAt);
  const newest = ordered[ordered.length - 1];
  if (!newest) return undefined;
  const steps = new Map<number, { p50: number; spread: number }>();
  for (const p of ordered) {
    const spread = Math.max(0, p.peakP90 - Math.max(...p.ensemble));
    p.targets.forEach((t, j) => {
      if (t >= since) steps.set(t, { p50: p.ensemble[j], spread });
    });
  }
  const times = [...steps.keys()].sort((a, b) => a - b);
  const at = (f: (s: { p50: number; spread: number }) => number): Point[] => times.map((t) => [t, round2(f(steps.get(t)!))]);
  return {
    madeAt: newest.madeAt,
    decisionId: newest.decisionId,
    p50: downsample(at((s) => s.p50), maxPoints),
    p10: downsample(at((s) => Math.max(0, s.p50 - s.spread)), maxPoints, Math.min),
    p90: downsample(at((s) => s.p50 + s.spread), maxPoints),
  };
}

const time = (iso: string | undefined): number | undefined => (iso ? Date.parse(iso) : undefined);

/** The fleet a decision left: what verification found healthy, what provisioning reported, else where it started. */
export function readyAfter(r: DecisionRecord): number | undefined {
  if (r.outcome === 'committed') return r.verification?.healthy ?? r.provisioning?.after?.total ?? r.plan?.to;
  return r.provisioning?.after?.total ?? r.plan?.from;
}

/** Planned and ready instances as step series, one point per decision with a plan, at its end. */
export function capacitySeries(records: readonly DecisionRecord[]): { planned: Point[]; ready: Point[] } {
  const planned: Point[] = [];
  const ready: Point[] = [];
  for (const r of records) {
    const t = time(r.finishedAt) ?? time(r.startedAt);
    if (t === undefined || !r.plan) continue;
    planned.push([t, r.plan.to]);
    const ok = readyAfter(r);
    if (ok !== undefined) ready.push([t, ok]);
  }
  return { planned, ready };
}

/** How many of the newest decisions keep their reason in the view. */
export const REASONS_KEPT = 12;

export function decisionMarker(r: DecisionRecord, links: LinkContext, withReason = true): DecisionMarker {
  return {
    id: r.id,
    t: Date.parse(r.startedAt),
    outcome: r.outcome ?? r.stage,
    direction: r.plan?.direction ?? 'none',
    ...(r.plan ? { from: r.plan.from, to: r.plan.to } : {}),
    ...(r.reason && withReason ? { reason: r.reason } : {}),
    webUi: webUiLink(links, r.workflowId, r.runId),
  };
}

/** A decision waiting for a person, as visibility lists it. */
export interface RunningApproval {
  decisionId: string;
  workflowId: string;
  runId: string;
  startTime: number;
}

export function pendingApproval(a: RunningApproval, links: LinkContext, now: number): PendingApproval {
  return {
    id: a.decisionId,
    workflowId: a.workflowId,
    since: a.startTime,
    ageSeconds: Math.max(0, Math.round((now - a.startTime) / 1000)),
    webUi: webUiLink(links, a.workflowId, a.runId),
    approve: `kinetic approve ${a.decisionId} --as <you>`,
  };
}

/**
 * Ensemble error over the forecast steps whose time lies in (now − minutes, now] and whose
 * realised demand `realised(t)` is known, per window.
 */
export function accuracyWindows(predictions: readonly PredictionRecord[], realised: (t: number) => number, now: number, windows: readonly number[] = ACCURACY_WINDOWS_MINUTES): AccuracyWindow[] {
  return windows.map((minutes) => {
    const from = now - minutes * 60_000;
    let sum = 0;
    let n = 0;
    for (const p of predictions) {
      p.targets.forEach((t, j) => {
        if (t <= from || t > now) return;
        const actual = realised(t);
        if (!Number.isFinite(actual) || actual === 0) return; // MAPE is undefined at zero demand
        sum += Math.abs(actual - p.ensemble[j]) / Math.abs(actual);
        n++;
      });
    }
    const mape = n ? sum / n : null;
    return { minutes, points: n, mape, accuracy: mape === null ? null : Math.max(0, 1 - mape) };
  });
}

/** Realised demand at time t: the series' step that contains t (NaN outside it or in a gap). */
export function realisedAt(series: MetricSeries): (t: number) => number {
  const step = series.stepSeconds * 1000;
  return (t) => {
    const i = Math.floor((t - series.start) / step);
    return i >= 0 && i < series.values.length ? series.values[i] : NaN;
  };
}

/** The budget levels a service's spend counts against, its own first (service → … → company). */
export function budgetLevels(rows: readonly BudgetReportRow[], service: string): BudgetLevel[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const out: BudgetLevel[] = [];
  let row = rows.find((r) => r.level === 'service' && r.name === service);
  while (row) {
    out.push({ level: row.level, name: row.name, limit: row.limit, pct: row.pct, alerts: row.alerts });
    row = row.parent ? byId.get(row.parent) : undefined;
  }
  return out;
}

export interface ServiceInputs {
  service: string;
  metric: string;
  /** The metric's configured step (shown when the source could not be read). */
  stepSeconds: number;
  now: number;
  /** How far back the charts reach, and how many points a series may carry at most. */
  historyMs: number;
  maxPoints: number;
  series?: MetricSeries;
  records: readonly DecisionRecord[];
  predictions: readonly PredictionRecord[];
  running: readonly RunningApproval[];
  budgetRows: readonly BudgetReportRow[];
  links: LinkContext;
  problems: string[];
}

/** One service's panel. */
export function serviceView(i: ServiceInputs): ServiceView {
  const since = i.now - i.historyMs;
  const inWindow = i.records.filter((r) => Date.parse(r.startedAt) >= since);
  const capacity = capacitySeries(inWindow);
  const realised = i.series ? realisedAt(i.series) : () => NaN;
  const recorded = new Set(i.records.map((r) => r.id));
  return {
    service: i.service,
    metric: i.metric,
    stepSeconds: i.series?.stepSeconds ?? i.stepSeconds,
    now: i.now,
    since,
    observed: i.series ? downsample(observedPoints(i.series, since), i.maxPoints) : [],
    forecast: forecastBand(i.predictions, since, i.maxPoints),
    planned: downsample(capacity.planned, i.maxPoints),
    ready: downsample(capacity.ready, i.maxPoints),
    markers: [
      // Reasons are sentences: only the newest decisions (the page's table) carry theirs, so a week of markers stays light.
      ...inWindow.map((r, k) => decisionMarker(r, i.links, k >= inWindow.length - REASONS_KEPT)),
      ...i.running.filter((a) => !recorded.has(a.decisionId)).map((a) => pendingMarker(a, i.links)),
    ],
    pending: i.running.map((a) => pendingApproval(a, i.links, i.now)),
    budget: budgetLevels(i.budgetRows, i.service),
    accuracy: accuracyWindows(i.predictions, realised, i.now),
    problems: i.problems,
  };
}

function pendingMarker(a: RunningApproval, links: LinkContext): DecisionMarker {
  return { id: a.decisionId, t: a.startTime, outcome: 'awaiting-approval', direction: 'none', webUi: webUiLink(links, a.workflowId, a.runId) };
}

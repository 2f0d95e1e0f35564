/**
 * Anomalous scaling (zero trust): plans that depart sharply from what the forecast implies or from
 * what the service ran recently, and runs of auto-approved scale-outs that walk the fleet to its
 * maximum, go to a person — whatever the auto-approve bounds say. A poisoned metric, a runaway
 * forecast or a wrong `--target` then costs an approval, not a fleet. Pure: the history comes from
 * the audit log (activities/context.ts), so every worker judges the same way.
 */
import { requireCount, requireNonNegative, requirePositive } from './input-checks';

export interface AnomalyPolicy {
  /** Off: no anomaly rule applies. */
  enabled: boolean;
  /** Target vs the forecast-implied target: a factor this large either way is anomalous. */
  ratio: number;
  /** Target vs the recent fleet sizes: this many standard deviations from their mean is anomalous. */
  zScore: number;
  /** The z-score rule needs at least this many recent decisions. */
  minHistory: number;
  /** How far back (seconds) the recent fleet sizes reach. */
  historyWindow: number;
  /** Departures smaller than this many instances are never anomalous (small fleets move in big ratios). */
  minChange: number;
  /** This many auto-approved scale-outs in a row (this plan included) that reach maxInstances … */
  runawaySteps: number;
  /** … within this many seconds are a runaway. */
  runawayWindow: number;
}

export const DEFAULT_ANOMALY_POLICY: AnomalyPolicy = {
  enabled: true,
  ratio: 3,
  zScore: 4,
  minHistory: 6,
  historyWindow: 86_400,
  minChange: 3,
  runawaySteps: 3,
  runawayWindow: 900,
};

/** One finished decision of the service, as the audit log recorded it. */
export interface AnomalyHistoryEntry {
  /** Epoch ms when it finished. */
  at: number;
  from: number;
  to: number;
  outcome: string;
  /** Approved inside the auto-approve bounds (no person). */
  auto: boolean;
}

export interface AnomalyInput {
  from: number;
  to: number;
  /** What the forecast alone implies (clamped to min/max); undefined when there is none (fallback). */
  forecastTarget?: number;
  maxInstances: number;
  now: number;
  /** The service's finished decisions, oldest first. */
  history: AnomalyHistoryEntry[];
}

export type AnomalyRuleId = 'anomaly:forecast-ratio' | 'anomaly:history-zscore' | 'anomaly:runaway';

export interface AnomalyFinding {
  id: AnomalyRuleId;
  message: string;
}

/** Outcomes whose target the fleet ran (or kept): the service's recent history. */
const RAN = new Set(['committed', 'no-change']);

export function checkAnomalyPolicy(p: AnomalyPolicy): AnomalyPolicy {
  requirePositive(p.ratio, 'approval.anomaly.ratio');
  if (p.ratio <= 1) throw new RangeError(`approval.anomaly.ratio must be above 1 (a factor between target and forecast), got ${p.ratio}`);
  requirePositive(p.zScore, 'approval.anomaly.zScore');
  requireCount(p.minHistory, 'approval.anomaly.minHistory');
  if (p.minHistory < 2) throw new RangeError(`approval.anomaly.minHistory must be at least 2 (a spread needs two points), got ${p.minHistory}`);
  requireNonNegative(p.historyWindow, 'approval.anomaly.historyWindow');
  requireCount(p.minChange, 'approval.anomaly.minChange');
  requireCount(p.runawaySteps, 'approval.anomaly.runawaySteps');
  if (p.runawaySteps < 1) throw new RangeError(`approval.anomaly.runawaySteps must be at least 1, got ${p.runawaySteps}`);
  requireNonNegative(p.runawayWindow, 'approval.anomaly.runawayWindow');
  return p;
}

/** Every anomaly rule the plan trips, each with its numbers; empty when none (or the policy is off). */
export function detectAnomalies(input: AnomalyInput, policy: AnomalyPolicy): AnomalyFinding[] {
  checkAnomalyPolicy(policy);
  requireCount(input.from, 'from');
  requireCount(input.to, 'to');
  requireCount(input.maxInstances, 'maxInstances');
  if (!policy.enabled || input.to === input.from) return [];
  return [forecastRatio(input, policy), historyZScore(input, policy), runaway(input, policy)].filter((f): f is AnomalyFinding => f !== undefined);
}

/** (a) The target is a large factor above or below what the forecast implies. */
function forecastRatio(input: AnomalyInput, p: AnomalyPolicy): AnomalyFinding | undefined {
  const f = input.forecastTarget;
  if (f === undefined || Math.abs(input.to - f) < Math.max(1, p.minChange)) return undefined;
  // Counted from one instance: a target of 0 (or a forecast of 0) is a finite factor.
  const factor = Math.max(input.to, 1) / Math.max(f, 1);
  const off = Math.max(factor, 1 / factor);
  if (off < p.ratio) return undefined;
  const how = factor >= 1 ? `${fmt(factor)}× the` : `1/${fmt(1 / factor)} of the`;
  return {
    id: 'anomaly:forecast-ratio',
    message: `target ${input.to} is ${how} forecast-implied target ${f} (approval.anomaly.ratio ${p.ratio}); a person must confirm it`,
  };
}

/** (a) The target is far outside the fleet sizes the service ran within the history window. */
function historyZScore(input: AnomalyInput, p: AnomalyPolicy): AnomalyFinding | undefined {
  const since = input.now - p.historyWindow * 1000;
  const sizes = input.history.filter((h) => h.at >= since && RAN.has(h.outcome)).map((h) => h.to);
  if (sizes.length < p.minHistory) return undefined;
  const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
  const sd = Math.sqrt(sizes.reduce((a, b) => a + (b - mean) ** 2, 0) / (sizes.length - 1));
  // A steady fleet has no spread: count it as at least one instance (or 10% of the mean).
  const spread = Math.max(sd, 1, 0.1 * mean);
  const z = (input.to - mean) / spread;
  if (Math.abs(z) < p.zScore || Math.abs(input.to - mean) < Math.max(1, p.minChange)) return undefined;
  return {
    id: 'anomaly:history-zscore',
    message:
      `target ${input.to} is ${fmt(Math.abs(z))} standard deviations ${z > 0 ? 'above' : 'below'} the ${sizes.length} fleet sizes of the last ` +
      `${fmtSeconds(p.historyWindow)} (mean ${fmt(mean)}, spread ${fmt(spread)}; approval.anomaly.zScore ${p.zScore}); a person must confirm it`,
  };
}

/** (b) Auto-approved scale-outs in a row walk the fleet to its maximum within the runaway window. */
function runaway(input: AnomalyInput, p: AnomalyPolicy): AnomalyFinding | undefined {
  if (input.to <= input.from || input.to < input.maxInstances) return undefined;
  const since = input.now - p.runawayWindow * 1000;
  // The run: committed changes, newest first, while each was an automatic scale-out inside the window.
  const changes = input.history.filter((h) => h.outcome === 'committed' && h.to !== h.from).reverse();
  const run: AnomalyHistoryEntry[] = [];
  for (const h of changes) {
    if (h.at < since || !h.auto || h.to <= h.from) break;
    run.push(h);
  }
  const steps = run.length + 1;
  if (steps < p.runawaySteps) return undefined;
  const start = run.length > 0 ? run[run.length - 1].from : input.from;
  const took = run.length > 0 ? (input.now - run[run.length - 1].at) / 1000 : 0;
  return {
    id: 'anomaly:runaway',
    message:
      `${steps} auto-approved scale-outs in a row take the fleet ${start} → ${input.to}, its maxInstances ${input.maxInstances}, within ` +
      `${fmtSeconds(took)} (approval.anomaly.runawaySteps ${p.runawaySteps} within ${fmtSeconds(p.runawayWindow)}); a person must confirm it`,
  };
}

const fmt = (x: number): string => String(Number(x.toFixed(2)));
const fmtSeconds = (s: number): string => (s >= 3600 && s % 3600 === 0 ? `${s / 3600}h` : s >= 60 && s % 60 === 0 ? `${s / 60}m` : `${Math.round(s)}s`);

/**
 * The fallback rule (like KEDA's `fallback`): after `failureThreshold` consecutive decisions whose
 * metrics read or forecast failed, the decision plans from the provisioner's own view instead of a
 * forecast — today's capacity plus `step` instances, up to `maxInstances` — and only ever scales
 * out: a fleet whose demand cannot be seen is never shrunk.
 */
import { requireCount, requirePositive } from './input-checks';

export interface FallbackPolicy {
  /** Consecutive failed forecasts (this one included) before the rule acts. */
  failureThreshold: number;
  /** Instances added per fallback decision. */
  step: number;
}

/** What the audit log says about one earlier decision of the service (newest last). */
export interface PastForecast {
  /** The decision ended in its forecast step (metrics read or forecast failed). */
  forecastFailed: boolean;
  /** The decision planned by this rule (its metrics were failing too). */
  fallback: boolean;
}

/** Failed forecasts in a row at the end of the history (fallback decisions count: their metrics failed). */
export function consecutiveFailures(history: readonly PastForecast[]): number {
  let n = 0;
  for (let i = history.length - 1; i >= 0 && (history[i].forecastFailed || history[i].fallback); i--) n++;
  return n;
}

export interface FallbackVerdict {
  /** The rule applies: plan `target` instead of failing. */
  use: boolean;
  /** Failures in a row including the current one. */
  failures: number;
  target: number;
  reason: string;
}

/**
 * The current failure plus `earlierFailures` in a row against the threshold; when reached, the
 * target is current + step, capped at maxInstances, never below current (no scale-in), and at
 * least minInstances.
 */
export function judgeFallback(p: FallbackPolicy, earlierFailures: number, fleet: { current: number; minInstances: number; maxInstances: number }): FallbackVerdict {
  requirePositive(p.failureThreshold, 'fallback.failureThreshold');
  requireCount(p.failureThreshold, 'fallback.failureThreshold');
  requirePositive(p.step, 'fallback.step');
  requireCount(p.step, 'fallback.step');
  requireCount(earlierFailures, 'earlierFailures');
  requireCount(fleet.current, 'current');
  const failures = earlierFailures + 1;
  if (failures < p.failureThreshold) {
    return { use: false, failures, target: fleet.current, reason: `${failures} failed forecast(s) in a row, below fallback.failureThreshold ${p.failureThreshold}: no fallback` };
  }
  const raised = Math.min(fleet.current + p.step, fleet.maxInstances);
  const target = Math.max(fleet.current, fleet.minInstances, raised);
  const why =
    target === fleet.current
      ? `holding ${fleet.current} (already at maxInstances ${fleet.maxInstances}; the fallback never scales in)`
      : `${fleet.current} + fallback.step ${p.step} = ${fleet.current + p.step}${raised < fleet.current + p.step ? `, capped at maxInstances ${fleet.maxInstances}` : ''} → ${target}`;
  return { use: true, failures, target, reason: `fallback: ${failures} failed forecast(s) in a row reached fallback.failureThreshold ${p.failureThreshold}; scale out only: ${why}` };
}

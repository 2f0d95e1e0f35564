import { ConfigError, UnknownServiceError } from '../config/load';
import type { DecisionContext } from '../decision/context';
import type { ForecastSummary } from '../decision/forecast';
import type { DecisionRecord } from '../decision/record';
import { consecutiveFailures, judgeFallback, type PastForecast } from '../planning/fallback';
import type { ActivityDeps } from './deps';
import { redact } from '../security/redact';

/**
 * The forecast step's fallback (`fallback:` of a service): when the metrics read or the forecast
 * failed, counts the failed forecasts in a row from the audit log — durable and shared by every
 * worker on every host — and, at `failureThreshold`, returns a forecast in mode `fallback` that the
 * plan turns into current capacity + step (planning/fallback.ts). Otherwise undefined: the error
 * stands and the decision ends `failed`, which the next decision counts.
 */
export async function fallbackForecast(deps: ActivityDeps, input: { decisionId: string; context: DecisionContext }, error: unknown): Promise<ForecastSummary | undefined> {
  if (error instanceof ConfigError || error instanceof UnknownServiceError) return undefined; // not a metrics fault
  const { context } = input;
  const svc = deps.service(context.service);
  if (!svc.fallback) return undefined;
  const history = (await deps.ledger().forService(context.service)).filter((r) => r.id !== input.decisionId);
  const verdict = judgeFallback(svc.fallback, consecutiveFailures(history.map(pastForecast)), {
    current: context.current.total,
    minInstances: context.minInstances,
    maxInstances: context.maxInstances,
  });
  if (!verdict.use) return undefined;
  // Redacted: the message lands in the activity result (history) and the record.
  const message = redact((error as Error)?.message ?? String(error));
  return {
    model: 'fallback: current capacity + step (no forecast)',
    metric: svc.metrics.metric,
    stepSeconds: svc.metrics.stepSeconds,
    historyPoints: 0,
    lastObserved: 0,
    fromStep: 0,
    toStep: 0,
    peakP50: 0,
    peakP90: 0,
    peakP99: 0,
    coldStart: false,
    notes: [verdict.reason, `this decision's metrics or forecast failed: ${message}`],
    mode: 'fallback',
    fallback: {
      failures: verdict.failures,
      failureThreshold: svc.fallback.failureThreshold,
      step: svc.fallback.step,
      current: context.current.total,
      target: verdict.target,
      error: message,
      reason: verdict.reason,
    },
  };
}

/** An audit record as the fallback rule sees it: ended in its forecast step, or planned by the fallback. */
export function pastForecast(r: DecisionRecord): PastForecast {
  return {
    forecastFailed: (r.outcome === 'failed' || r.outcome === 'stale-metrics') && !r.forecast && r.timings.forecast !== undefined && r.timings.plan === undefined,
    fallback: r.forecast?.mode === 'fallback',
  };
}

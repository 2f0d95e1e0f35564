import { ApplicationFailure } from '@temporalio/common';
import { ConfigError, UnknownServiceError } from '../config/load';
import { ForecastInputError } from '../models/contract';
import { MetricsInputError } from '../metrics/contract';
import { ProvisionError } from '../provisioners/errors';
import { redactError } from '../security/redact';
import { StaleMetricsError } from './metrics-read';

export { NON_RETRYABLE_TYPES } from '../workflows/definitions';

/** Failure type of stale metrics (non-retryable): the decision ends `stale-metrics`. */
export const STALE_METRICS_TYPE = 'StaleMetrics';

/**
 * Maps domain errors to typed Temporal failures (anything else stays retryable), redacted: the
 * failure's message and stack land in the workflow history and, through it, in the record.
 */
export function toFailure(e: unknown): unknown {
  return redactError(typedFailure(e));
}

function typedFailure(e: unknown): unknown {
  if (e instanceof ConfigError) return ApplicationFailure.nonRetryable(e.message, 'InvalidConfig');
  if (e instanceof UnknownServiceError) return ApplicationFailure.nonRetryable(e.message, 'UnknownService');
  if (e instanceof StaleMetricsError) return ApplicationFailure.nonRetryable(e.message, STALE_METRICS_TYPE);
  if (e instanceof MetricsInputError || e instanceof ForecastInputError) {
    return ApplicationFailure.nonRetryable(e.message, 'InvalidMetrics');
  }
  if (e instanceof ProvisionError) {
    return e.retryable ? ApplicationFailure.retryable(e.message, 'ProvisionRetry') : ApplicationFailure.nonRetryable(e.message, e.failureType ?? 'ProvisionFailed');
  }
  return e;
}

/** Wraps every function of an activity object so domain errors become typed failures. */
export function withFailureMapping<T extends Record<string, (...args: never[]) => Promise<unknown>>>(acts: T): T {
  const out = {} as Record<string, unknown>;
  for (const [name, fn] of Object.entries(acts)) {
    out[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (e) {
        throw toFailure(e);
      }
    };
  }
  return out as T;
}

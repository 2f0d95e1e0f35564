/**
 * Staleness of a service's metrics: a forecast from a history whose newest sample is old describes
 * a past the fleet no longer lives in, so the decision ends instead of acting on it (and never
 * scales in on it). Applies to sources with real time (Prometheus, local pool); CSV replay treats
 * its last row as "now" and is never stale.
 */
import { requireNonNegative, requirePositive } from './input-checks';

/** Default: three steps without a sample (Prometheus' lookback aside, that is three missed scrapes). */
export const DEFAULT_STALE_STEPS = 3;

export interface StalenessVerdict {
  stale: boolean;
  /** Seconds since the newest sample (Infinity when there is none). */
  ageSeconds: number;
  maxStalenessSeconds: number;
  reason: string;
}

/** The effective limit: `metrics.maxStaleness` when set, else DEFAULT_STALE_STEPS × stepSeconds. */
export function maxStalenessSeconds(stepSeconds: number, configured?: number): number {
  requirePositive(stepSeconds, 'metrics.stepSeconds');
  if (configured === undefined) return DEFAULT_STALE_STEPS * stepSeconds;
  requirePositive(configured, 'metrics.maxStaleness');
  if (configured < stepSeconds) {
    throw new RangeError(`metrics.maxStaleness (${configured}s) must be at least one step (metrics.stepSeconds ${stepSeconds}s); raise it or remove it for ${DEFAULT_STALE_STEPS} steps`);
  }
  return configured;
}

/**
 * Judges the newest sample's time (epoch ms; undefined = no sample) against now and the limit.
 * Stale when older than the limit; a sample "from the future" (clock skew) counts as age 0.
 */
export function judgeStaleness(newestAtMs: number | undefined, nowMs: number, limitSeconds: number): StalenessVerdict {
  requireNonNegative(nowMs, 'now');
  requirePositive(limitSeconds, 'maxStaleness');
  if (newestAtMs === undefined || !Number.isFinite(newestAtMs)) {
    return { stale: true, ageSeconds: Infinity, maxStalenessSeconds: limitSeconds, reason: `no sample in the window; metrics.maxStaleness is ${limitSeconds}s` };
  }
  const ageSeconds = Math.max(0, (nowMs - newestAtMs) / 1000);
  const at = new Date(newestAtMs).toISOString();
  if (ageSeconds > limitSeconds) {
    return { stale: true, ageSeconds, maxStalenessSeconds: limitSeconds, reason: `newest sample at ${at} is ${round(ageSeconds)}s old, more than metrics.maxStaleness ${limitSeconds}s` };
  }
  return { stale: false, ageSeconds, maxStalenessSeconds: limitSeconds, reason: `newest sample at ${at} is ${round(ageSeconds)}s old, within metrics.maxStaleness ${limitSeconds}s` };
}

const round = (x: number) => Math.round(x * 10) / 10;

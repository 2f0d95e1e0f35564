import { join } from 'node:path';
import type { ServiceConfig } from '../config/schema';
import type { FingerprintSummary } from '../decision/forecast';
import { fingerprintForecast } from '../fingerprints/member-forecast';
import { FingerprintModelStore } from '../store/fingerprint-store';
import { FileSummaryStore } from '../telemetry/summary-store';

/** Summaries per member a decision reads: enough for any cluster model's input window. */
const RECENT_PERIODS = 60;

/**
 * The forecast activity's fingerprint step (thin): the champion fingerprint model and the
 * collector's newest summaries → cluster forecasts for the plan. Never fails the decision: an
 * unreadable store is a fallback with the error as its reason.
 */
export function fingerprintSummaryFor(stateRoot: string, service: string, svc: ServiceConfig, loadForecast: number, now: number): FingerprintSummary | undefined {
  const fp = svc.fingerprints;
  if (!fp?.enabled) return undefined;
  const base = { capacity: fp.capacity, horizonSteps: fp.horizonSteps };
  const dir = fp.summariesDir ?? join(stateRoot, 'telemetry');
  try {
    const model = new FingerprintModelStore(stateRoot).champion(service);
    const byMember = new FileSummaryStore(dir).recent(service, RECENT_PERIODS);
    const f = fingerprintForecast(model, byMember, { now, maxAgeMs: fp.maxAge * 1000, load: loadForecast, source: join(dir, service) });
    if (f.status === 'fallback') return { ...base, status: 'fallback', reason: f.reason };
    return {
      ...base,
      status: 'used',
      horizonSteps: f.horizonSteps,
      modelVersion: f.modelVersion,
      newestAt: f.newestAt,
      ...(f.notes.length ? { reason: f.notes.join('; ') } : {}),
      clusters: f.clusters.map((c) => ({ ...c, sources: [...new Set(f.members.filter((m) => m.cluster === c.cluster).map((m) => m.source))].sort() })),
    };
  } catch (e) {
    return { ...base, status: 'fallback', reason: `fingerprint store unreadable (${(e as Error).message}); planned on load alone` };
  }
}

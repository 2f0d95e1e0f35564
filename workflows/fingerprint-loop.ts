/**
 * The fingerprint adaptive loop (issue 17), scheduled like retraining: per service with
 * `fingerprints:`, refit the reducer, clusters and cluster models when a cluster's error stays above
 * its threshold (or on schedule), champion/challenger on held-back periods. Deterministic only.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { DecisionActivities } from '../activities';
import type { FingerprintLoopResult } from '../activities/fingerprint-loop';
import { NON_RETRYABLE_TYPES } from './definitions';

export interface FingerprintLoopInput {
  trigger?: string;
  /** Default: every service with fingerprints enabled. */
  services?: string[];
  /** Fit a challenger even when no cluster drifts. */
  force?: boolean;
}

const acts = proxyActivities<DecisionActivities>({
  startToCloseTimeout: 900_000,
  retry: { initialInterval: 1000, backoffCoefficient: 2, maximumInterval: 30_000, maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE_TYPES },
});

export async function fingerprintLoop(input: FingerprintLoopInput = {}): Promise<{ services: Array<FingerprintLoopResult | { service: string; outcome: 'failed'; reason: string }> }> {
  const info = workflowInfo();
  const services = input.services ?? (await acts.listFingerprintServices());
  const out: Array<FingerprintLoopResult | { service: string; outcome: 'failed'; reason: string }> = [];
  for (const service of services) {
    try {
      out.push(await acts.fingerprintLoopService({ service, sourceId: `${info.workflowId}/${info.runId}/${service}`, ...(input.force ? { force: true } : {}) }));
    } catch (e) {
      out.push({ service, outcome: 'failed', reason: String((e as Error).cause ?? e) });
    }
  }
  return { services: out };
}

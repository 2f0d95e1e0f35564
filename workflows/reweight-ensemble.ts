/**
 * Scheduled reweighting: per service, compare stored predictions with realised demand and move
 * ensemble weight toward the models that were right (Hedge, asymmetric loss). Deterministic only.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { DecisionActivities } from '../activities';
import type { ReweightResult } from '../activities/reweight';
import { NON_RETRYABLE_TYPES } from './definitions';

export interface ReweightInput {
  trigger?: string;
  /** Default: every service in the config. */
  services?: string[];
}

const acts = proxyActivities<DecisionActivities>({
  startToCloseTimeout: 300_000,
  retry: { initialInterval: 1000, backoffCoefficient: 2, maximumInterval: 30_000, maximumAttempts: 4, nonRetryableErrorTypes: NON_RETRYABLE_TYPES },
});

export async function reweightEnsemble(input: ReweightInput = {}): Promise<{ services: Array<ReweightResult | { service: string; outcome: 'failed'; reason: string }> }> {
  const info = workflowInfo();
  const services = input.services ?? (await acts.listLearningServices());
  const out: Array<ReweightResult | { service: string; outcome: 'failed'; reason: string }> = [];
  for (const service of services) {
    try {
      // The source id makes a retried activity return the version it already wrote.
      out.push(await acts.reweightService({ service, sourceId: `${info.workflowId}/${info.runId}/${service}` }));
    } catch (e) {
      out.push({ service, outcome: 'failed', reason: String((e as Error).cause ?? e) });
    }
  }
  return { services: out };
}

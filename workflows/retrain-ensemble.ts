/**
 * Scheduled retraining: per service, one heartbeating activity per model fits and scores a new
 * version on the configured history window; each new version replaces its model's champion only
 * if it beats it on held-back recent data by the configured margin. Deterministic only.
 */
import { proxyActivities, uuid4, workflowInfo } from '@temporalio/workflow';
import type { DecisionActivities } from '../activities';
import type { PromotionVerdict } from '../activities/retrain';
import { NON_RETRYABLE_TYPES } from './definitions';

export interface RetrainInput {
  trigger?: string;
  /** Default: every service in the config. */
  services?: string[];
  /** Default: the service's learning.models. */
  models?: string[];
  /** Start-to-close of one model's retrain attempt (default 20 min) and its heartbeat timeout (default 60 s). */
  modelTimeoutSeconds?: number;
  heartbeatSeconds?: number;
  pauseBetweenStepsMs?: number;
}

export interface RetrainModelReport extends Partial<PromotionVerdict> {
  model: string;
  holdoutMase?: number;
  championHoldoutMase?: number;
  error?: string;
}

export interface RetrainServiceReport {
  service: string;
  outcome: 'retrained' | 'not-enough-history' | 'failed';
  reason: string;
  models: RetrainModelReport[];
}

export async function retrainEnsemble(input: RetrainInput = {}): Promise<{ services: RetrainServiceReport[] }> {
  const info = workflowInfo();
  const retry = { initialInterval: 1000, backoffCoefficient: 2, maximumInterval: 30_000, maximumAttempts: 3, nonRetryableErrorTypes: [...NON_RETRYABLE_TYPES, 'RangeError'] };
  const quick = proxyActivities<DecisionActivities>({ startToCloseTimeout: 120_000, retry });
  const heavy = proxyActivities<DecisionActivities>({
    startToCloseTimeout: (input.modelTimeoutSeconds ?? 1200) * 1000,
    heartbeatTimeout: (input.heartbeatSeconds ?? 60) * 1000,
    retry,
  });
  const services = input.services ?? (await quick.listLearningServices());
  const reports: RetrainServiceReport[] = [];
  for (const service of services) {
    try {
      const plan = await quick.prepareRetrain({ service });
      if (!plan.ok) {
        reports.push({ service, outcome: 'not-enough-history', reason: plan.reason, models: [] });
        continue;
      }
      const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
      const models = input.models ?? plan.models;
      // Fan out: one activity per model, in parallel; one model failing does not stop the others.
      const settled = await Promise.allSettled(
        models.map((model) =>
          heavy.retrainModel({
            service,
            model,
            versionId: `${model}-${stamp}-${uuid4().slice(0, 8)}`,
            end: plan.end,
            points: plan.points,
            holdoutPoints: plan.holdoutPoints,
            workflowId: info.workflowId,
            runId: info.runId,
            pauseBetweenStepsMs: input.pauseBetweenStepsMs,
          }),
        ),
      );
      const modelReports: RetrainModelReport[] = [];
      for (let i = 0; i < models.length; i++) {
        const r = settled[i];
        if (r.status === 'rejected') {
          modelReports.push({ model: models[i], error: rootMessage(r.reason) });
          continue;
        }
        const verdict = await quick.judgeRetrainedModel({ service, versionId: r.value.versionId, margin: plan.promotionMargin, by: `retrain:${info.workflowId}` });
        modelReports.push({ ...verdict, model: models[i], holdoutMase: r.value.holdoutMase, championHoldoutMase: r.value.championHoldoutMase });
      }
      reports.push({ service, outcome: 'retrained', reason: plan.reason, models: modelReports });
    } catch (e) {
      reports.push({ service, outcome: 'failed', reason: rootMessage(e), models: [] });
    }
  }
  return { services: reports };
}

function rootMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  let msg = String((e && e.message) ?? err);
  while (e && e.cause) {
    e = e.cause as { message?: string; cause?: unknown };
    if (e.message) msg = e.message;
  }
  return msg;
}

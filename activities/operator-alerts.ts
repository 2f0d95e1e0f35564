import { activityInfo } from '@temporalio/activity';
import type { CompensationStep } from '../decision/record';
import { postAlert } from './alert-webhook';
import type { ActivityDeps } from './deps';
import { webhookSecret } from './webhook-secret';

/** What an operator is told when a decision's compensation failed. */
export interface OperatorAlert {
  decisionId: string;
  service: string;
  workflowId: string;
  message: string;
  compensation: CompensationStep[];
  /** The command that closes the decision once the fleet is fixed. */
  resolveWith: string;
}

/**
 * A decision whose compensation failed needs an operator: logged as an error and POSTed to
 * `budgets.alerts.webhook` (the URL recorded at the decision's start) with an `Idempotency-Key`
 * (`<decision id>/compensation-failed`), signed when a secret is configured. The saga retries it
 * (at least once; receivers dedupe).
 */
export function operatorAlertActivities(deps: Pick<ActivityDeps, 'config'>) {
  return {
    async deliverOperatorAlert(input: { alert: OperatorAlert; webhook?: string; idempotencyKey: string }): Promise<{ attempt: number; detail: string }> {
      const { attempt } = activityInfo();
      if (attempt === 1) console.error(`[kinetic] ALERT compensation failed, needs an operator: ${input.alert.message}; then: ${input.alert.resolveWith}`);
      if (!input.webhook) return { attempt, detail: 'logged (no budgets.alerts.webhook)' };
      const detail = await postAlert(input.webhook, input.idempotencyKey, { kind: 'kinetic.compensation-failed', severity: 'error', ...input.alert }, attempt, 'operator alert', webhookSecret(deps.config));
      return { attempt, detail };
    },
  };
}

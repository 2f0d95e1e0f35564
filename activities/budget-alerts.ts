import { activityInfo } from '@temporalio/activity';
import type { FiredAlert } from '../decision/budget-book';
import { postAlert } from './alert-webhook';
import type { ActivityDeps } from './deps';
import { webhookSecret } from './webhook-secret';

/**
 * Delivers one alert the budget authority fired: logged, and POSTed to `budgets.alerts.webhook`
 * with an `Idempotency-Key` header (also in the body), signed when a secret is configured.
 * Throwing makes Temporal retry (the authority sets the policy): at-least-once, and a receiver
 * dedupes by the key.
 */
export function budgetAlertActivities(deps: Pick<ActivityDeps, 'config'>) {
  return {
    async deliverBudgetAlert(input: { alert: FiredAlert; webhook?: string; idempotencyKey: string }): Promise<{ attempt: number; detail: string }> {
      const { attempt } = activityInfo();
      const { delivery: _d, ...alert } = input.alert;
      if (attempt === 1) console.warn(`[kinetic] budget alert: ${alert.message}`);
      if (!input.webhook) return { attempt, detail: 'logged (no budgets.alerts.webhook)' };
      const detail = await postAlert(input.webhook, input.idempotencyKey, { kind: 'kinetic.budget-alert', idempotencyKey: input.idempotencyKey, ...alert }, attempt, 'budget alert', webhookSecret(deps.config));
      return { attempt, detail };
    },
  };
}

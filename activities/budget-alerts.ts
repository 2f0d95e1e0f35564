import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { FiredAlert } from '../decision/budget-book';

/** How long one webhook delivery may take before the attempt counts as failed. */
const WEBHOOK_TIMEOUT_MS = 10_000;

/** 4xx answers that retrying can fix; any other 4xx is the receiver refusing the alert. */
const RETRYABLE_4XX = new Set([408, 425, 429]);

/**
 * Delivers one alert the budget authority fired: logged, and POSTed to `budgets.alerts.webhook`
 * with an `Idempotency-Key` header (also in the body). Throwing makes Temporal retry (the authority
 * sets the policy): at-least-once, and a receiver dedupes by the key.
 */
export function budgetAlertActivities() {
  return {
    async deliverBudgetAlert(input: { alert: FiredAlert; webhook?: string; idempotencyKey: string }): Promise<{ attempt: number; detail: string }> {
      const { attempt } = activityInfo();
      const { delivery: _d, ...alert } = input.alert;
      if (attempt === 1) console.warn(`[kinetic] budget alert: ${alert.message}`);
      if (!input.webhook) return { attempt, detail: 'logged (no budgets.alerts.webhook)' };
      const res = await fetch(input.webhook, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': input.idempotencyKey },
        body: JSON.stringify({ kind: 'kinetic.budget-alert', idempotencyKey: input.idempotencyKey, ...alert }),
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      if (res.ok) return { attempt, detail: `HTTP ${res.status}` };
      const message = `budget alert webhook ${input.webhook} answered HTTP ${res.status} (attempt ${attempt})`;
      if (res.status >= 400 && res.status < 500 && !RETRYABLE_4XX.has(res.status)) throw ApplicationFailure.nonRetryable(message, 'AlertRejected');
      throw new Error(message);
    },
  };
}

import { ApplicationFailure } from '@temporalio/common';

/** How long one webhook delivery may take before the attempt counts as failed. */
const WEBHOOK_TIMEOUT_MS = 10_000;

/** 4xx answers that retrying can fix; any other 4xx is the receiver refusing the alert. */
const RETRYABLE_4XX = new Set([408, 425, 429]);

/**
 * POSTs one alert as JSON with an `Idempotency-Key` header (also `idempotencyKey` in the body).
 * Throws so Temporal retries (the caller's policy); a 4xx other than 408/425/429 is final
 * (`AlertRejected`). Shared by budget alerts and the saga's operator alerts.
 */
export async function postAlert(webhook: string, idempotencyKey: string, body: Record<string, unknown>, attempt: number, what: string): Promise<string> {
  const res = await fetch(webhook, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
    body: JSON.stringify({ ...body, idempotencyKey }),
    signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
  });
  if (res.ok) return `HTTP ${res.status}`;
  const message = `${what} webhook ${webhook} answered HTTP ${res.status} (attempt ${attempt})`;
  if (res.status >= 400 && res.status < 500 && !RETRYABLE_4XX.has(res.status)) throw ApplicationFailure.nonRetryable(message, 'AlertRejected');
  throw new Error(message);
}

import { ApplicationFailure } from '@temporalio/common';
import { SIGNATURE_HEADER, signWebhook } from '../security/webhook-signature';

/** How long one webhook delivery may take before the attempt counts as failed. */
const WEBHOOK_TIMEOUT_MS = 10_000;

/** 4xx answers that retrying can fix; any other 4xx is the receiver refusing the alert. */
const RETRYABLE_4XX = new Set([408, 425, 429]);

/**
 * POSTs one alert as JSON with an `Idempotency-Key` header (also `idempotencyKey` in the body),
 * signed (`X-Kinetic-Signature`, security/webhook-signature.ts) when a secret is given.
 * Throws so Temporal retries (the caller's policy); a 4xx other than 408/425/429 is final
 * (`AlertRejected`). Shared by budget alerts and the saga's operator alerts.
 */
export async function postAlert(webhook: string, idempotencyKey: string, body: Record<string, unknown>, attempt: number, what: string, secret?: string): Promise<string> {
  const text = JSON.stringify({ ...body, idempotencyKey });
  const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': idempotencyKey };
  // Signed per attempt: a retry carries a fresh timestamp, so a receiver's replay window stays short.
  if (secret) headers[SIGNATURE_HEADER] = signWebhook(secret, text, Math.floor(Date.now() / 1000));
  const res = await fetch(webhook, { method: 'POST', headers, body: text, signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS) });
  if (res.ok) return `HTTP ${res.status}`;
  const message = `${what} webhook ${webhook} answered HTTP ${res.status} (attempt ${attempt})`;
  if (res.status >= 400 && res.status < 500 && !RETRYABLE_4XX.has(res.status)) throw ApplicationFailure.nonRetryable(message, 'AlertRejected');
  throw new Error(message);
}

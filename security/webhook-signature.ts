/**
 * Signed webhooks: every alert POST carries `X-Kinetic-Signature: t=<unix seconds>,v1=<hex>`, the
 * HMAC-SHA256 of `<t>.<raw body>` under a shared secret. A receiver recomputes it over the bytes
 * it received and refuses stale timestamps (replays). Pure; receivers may copy `verifyWebhook`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Kinetic-Signature';

/** Default age (seconds) a receiver accepts between the signature's timestamp and its clock, either way. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

const hmac = (secret: string, timestamp: number, body: string): string => createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');

/** The header value for `body` sent at `timestamp` (unix seconds). */
export function signWebhook(secret: string, body: string, timestamp: number): string {
  if (!secret) throw new Error('webhook signing secret is empty');
  if (!Number.isInteger(timestamp) || timestamp < 0) throw new RangeError(`timestamp must be whole unix seconds, got ${timestamp}`);
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`;
}

export type VerifyResult = { ok: true; timestamp: number } | { ok: false; reason: string };

/**
 * Checks a received `X-Kinetic-Signature` against the raw body. `secrets`: the current secret, or
 * several while rotating (any may match). `now`: unix seconds (default the clock).
 */
export function verifyWebhook(input: {
  secrets: string | string[];
  body: string;
  header: string | undefined | null;
  now?: number;
  toleranceSeconds?: number;
}): VerifyResult {
  const secrets = (Array.isArray(input.secrets) ? input.secrets : [input.secrets]).filter(Boolean);
  if (secrets.length === 0) return { ok: false, reason: 'no secret to verify with' };
  if (!input.header) return { ok: false, reason: `no ${SIGNATURE_HEADER} header` };
  const parts = input.header.split(',').map((p) => p.trim().split('='));
  const t = parts.find(([k]) => k === 't')?.[1];
  const signatures = parts.filter(([k, v]) => k === 'v1' && v).map(([, v]) => v);
  const timestamp = Number(t);
  if (!t || !Number.isInteger(timestamp)) return { ok: false, reason: `${SIGNATURE_HEADER} has no timestamp t=<unix seconds>` };
  if (signatures.length === 0) return { ok: false, reason: `${SIGNATURE_HEADER} has no v1 signature` };
  const now = input.now ?? Math.floor(Date.now() / 1000);
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(now - timestamp) > tolerance) return { ok: false, reason: `timestamp ${timestamp} is ${Math.abs(now - timestamp)}s from now, more than the tolerance of ${tolerance}s` };
  for (const secret of secrets) {
    const expected = Buffer.from(hmac(secret, timestamp, input.body), 'hex');
    for (const s of signatures) {
      const got = Buffer.from(s, 'hex');
      if (got.length === expected.length && timingSafeEqual(got, expected)) return { ok: true, timestamp };
    }
  }
  return { ok: false, reason: 'signature does not match the body' };
}

import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { webhookSecret } from '../../activities/webhook-secret';
import type { LoadedConfig } from '../../config/load';
import { signWebhook, verifyWebhook } from '../../security/webhook-signature';

const T = 1_800_000_000;
const BODY = '{"kind":"kinetic.budget-alert","spent":812.5}';

describe('webhook signatures', () => {
  it('signs HMAC-SHA256 over "<t>.<body>" as t=<unix>,v1=<hex>', () => {
    // The expected value computed independently, the way a receiver in any language would.
    const hex = createHmac('sha256', 'shh').update(`${T}.${BODY}`).digest('hex');
    expect(signWebhook('shh', BODY, T)).toBe(`t=${T},v1=${hex}`);
  });

  it('verifies the signed body; refuses a tampered body, another secret, stale or future timestamps, and malformed headers', () => {
    const header = signWebhook('shh', BODY, T);
    expect(verifyWebhook({ secrets: 'shh', body: BODY, header, now: T + 10 })).toEqual({ ok: true, timestamp: T });
    expect(verifyWebhook({ secrets: 'shh', body: BODY.replace('812.5', '12.5'), header, now: T })).toEqual({ ok: false, reason: 'signature does not match the body' });
    expect(verifyWebhook({ secrets: 'other', body: BODY, header, now: T }).ok).toBe(false);
    expect(verifyWebhook({ secrets: 'shh', body: BODY, header, now: T + 301 })).toEqual({ ok: false, reason: `timestamp ${T} is 301s from now, more than the tolerance of 300s` });
    expect(verifyWebhook({ secrets: 'shh', body: BODY, header, now: T - 301 }).ok).toBe(false);
    expect(verifyWebhook({ secrets: 'shh', body: BODY, header, now: T + 500, toleranceSeconds: 600 }).ok).toBe(true);
    // The timestamp is signed too: moving it breaks the signature.
    expect(verifyWebhook({ secrets: 'shh', body: BODY, header: header.replace(`t=${T}`, `t=${T + 5}`), now: T }).ok).toBe(false);
    expect(verifyWebhook({ secrets: 'shh', body: BODY, header: undefined, now: T })).toEqual({ ok: false, reason: 'no X-Kinetic-Signature header' });
    expect(verifyWebhook({ secrets: 'shh', body: BODY, header: 'v1=abcd', now: T }).ok).toBe(false);
    expect(verifyWebhook({ secrets: 'shh', body: BODY, header: `t=${T}`, now: T }).ok).toBe(false);
    expect(verifyWebhook({ secrets: [], body: BODY, header, now: T }).ok).toBe(false);
  });

  it('accepts any of several secrets while rotating', () => {
    expect(verifyWebhook({ secrets: ['new', 'shh'], body: BODY, header: signWebhook('shh', BODY, T), now: T }).ok).toBe(true);
  });
});

describe('the webhook signing secret', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kinetic-webhook-secret-'));
  const cfg = (secretFile?: string) => () => ({ file: join(dir, 'kinetic.yaml'), budgets: { alerts: { thresholds: [0.8], secretFile } } }) as unknown as LoadedConfig;

  it('comes from KINETIC_WEBHOOK_SECRET, else KINETIC_WEBHOOK_SECRET_FILE, else budgets.alerts.secretFile (relative to kinetic.yaml); none → unsigned', () => {
    writeFileSync(join(dir, 'hook.secret'), 'from-file\n', { mode: 0o600 });
    expect(webhookSecret(cfg('hook.secret'), { KINETIC_WEBHOOK_SECRET: 'from-env' })).toBe('from-env');
    expect(webhookSecret(cfg(), { KINETIC_WEBHOOK_SECRET_FILE: join(dir, 'hook.secret') })).toBe('from-file');
    expect(webhookSecret(cfg('hook.secret'), {})).toBe('from-file');
    expect(webhookSecret(cfg(), {})).toBeUndefined();
  });

  it('a missing or empty secret file, or a kinetic.yaml that does not load, is an error naming the setting and the fix', () => {
    expect(() => webhookSecret(cfg('missing.secret'), {})).toThrow(/^budgets\.alerts\.secretFile: cannot read the webhook signing secret at .*missing\.secret \(ENOENT\); create it \(e\.g\. openssl rand -hex 32/);
    writeFileSync(join(dir, 'empty.secret'), '\n');
    expect(() => webhookSecret(cfg(), { KINETIC_WEBHOOK_SECRET_FILE: join(dir, 'empty.secret') })).toThrow(/^KINETIC_WEBHOOK_SECRET_FILE: the webhook signing secret file .* is empty/);
    const broken = () => {
      throw new Error('kinetic.yaml: services.x.budget: required');
    };
    expect(() => webhookSecret(broken, {})).toThrow(/cannot look up budgets\.alerts\.secretFile: kinetic\.yaml: services\.x\.budget: required; fix kinetic\.yaml \(or set KINETIC_WEBHOOK_SECRET\)/);
  });
});

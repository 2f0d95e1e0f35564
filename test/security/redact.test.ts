import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { redact, redactDeep, redactError } from '../../security/redact';

describe('redact', () => {
  it.each([
    ['prometheus http://user:secret@127.0.0.1:9/api: fetch failed', 'prometheus http://user:***@127.0.0.1:9/api: fetch failed'],
    ['https://alice:p@ss@host.example/x', 'https://alice:***@host.example/x'],
    ['postgres://kinetic:hunter2@db:5432/kinetic', 'postgres://kinetic:***@db:5432/kinetic'],
    ['https://:tok3n@host/', 'https://:***@host/'],
    ['Authorization: Bearer abcdef123456', 'Authorization: *** ***'],
    ['sent bearer abcdef.123456-xyz to the hook', 'sent bearer *** to the hook'],
    ['Basic dXNlcjpzZWNyZXQ= sent; basic authentication failed', 'Basic *** sent; basic authentication failed'],
    ['GET /q?query=up&password=hunter2&step=5s', 'GET /q?query=up&password=***&step=5s'],
    ['https://h/x?token=abc123#frag', 'https://h/x?token=***#frag'],
    ['access_token=abc&x=1', 'access_token=***&x=1'],
    ['{"client_secret": "s3cr3t", "a": 1}', '{"client_secret": "***", "a": 1}'],
    ['PULUMI_CONFIG_PASSPHRASE=correct-horse', 'PULUMI_CONFIG_PASSPHRASE=***'],
    ['key AKIAIOSFODNN7EXAMPLE used', 'key *** used'],
    ['aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'aws_secret_access_key = ***'],
    ['X-Amz-Signature=0123abcd&X-Amz-Credential=AKIA%2F', 'X-Amz-Signature=***&X-Amz-Credential=***'],
  ])('%s', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it('redacts JWTs wherever they appear', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXBhcnQ';
    expect(redact(`token rejected: ${jwt} (expired)`)).toBe('token rejected: *** (expired)');
  });

  it('leaves ordinary text alone', () => {
    const text = 'prometheus http://prometheus:9090: query "up" returned no series; change of 4 is above the auto-approve limit of 2; token expired at 12:00';
    expect(redact(text)).toBe(text);
  });

  it('redactDeep copies records and redacts every string, keeping numbers and structure', () => {
    const rec = { id: 'd1', error: 'http://u:pw@h:1 refused', plan: { to: 4, reasons: ['token=zzz'] }, ok: true };
    expect(redactDeep(rec)).toEqual({ id: 'd1', error: 'http://u:***@h:1 refused', plan: { to: 4, reasons: ['token=***'] }, ok: true });
    expect(rec.error).toBe('http://u:pw@h:1 refused');
  });

  it('redactError rewrites message and stack through the cause chain, keeping the class and type', () => {
    const cause = new Error('connect to http://u:hunter2@h:1 failed');
    const err = ApplicationFailure.nonRetryable('wrapped http://u:hunter2@h:1', 'Boom');
    (err as { cause?: unknown }).cause = cause;
    const out = redactError(err);
    expect(out).toBe(err);
    expect(out).toBeInstanceOf(ApplicationFailure);
    expect(out.type).toBe('Boom');
    expect(out.message).toBe('wrapped http://u:***@h:1');
    expect(out.stack).not.toContain('hunter2');
    expect(cause.message).toBe('connect to http://u:***@h:1 failed');
    expect(cause.stack).not.toContain('hunter2');
  });
});

import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, verifyWebhook } from '../../security/webhook-signature';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';

/**
 * Signed alert webhooks end to end: a decision whose compensation fails POSTs its operator alert
 * to a real HTTP receiver that verifies `X-Kinetic-Signature` with the exported `verifyWebhook`
 * (401 when it does not verify), as a receiver in production would.
 */

const SECRET = randomBytes(32).toString('hex');
let t: TestTemporal;
let receiver: Server;
const verdicts: Array<{ ok: boolean; reason?: string; body: string; header?: string }> = [];

/** POSTs to the receiver; its status says whether the signature verified. */
async function post(body: string, header: string | undefined): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(header ? { [SIGNATURE_HEADER]: header } : {}) },
    body,
  });
  return res.status;
}

beforeAll(async () => {
  t = await connectTestTemporal();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // Verify over the raw bytes received, never over re-serialised JSON.
      const body = Buffer.concat(chunks).toString('utf8');
      const header = req.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined;
      const v = verifyWebhook({ secrets: SECRET, body, header });
      verdicts.push({ ok: v.ok, reason: v.ok ? undefined : v.reason, body, header });
      res.writeHead(v.ok ? 204 : 401).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  await new Promise((r) => receiver?.close(r));
  await t?.close();
});

describe('signed alert webhooks (real receiver, real dev server)', () => {
  it('the operator alert of a failed compensation is signed with budgets.alerts.secretFile; the receiver verifies it and refuses a tampered copy', async () => {
    const sb = createSandbox();
    writeFileSync(join(sb.dir, 'webhook.secret'), `${SECRET}\n`, { mode: 0o600 });
    const webhook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`;
    sb.writeConfig(
      { signedop: serviceConfig(sb.csv('signedop', flat(55)), { provisioner: { type: 'fault-injecting', initialInstances: 2, failVerify: true, failRollback: true } }) },
      { budgets: { company: { name: `signed-${randomUUID().slice(0, 8)}`, monthly: 1_000_000 }, alerts: { webhook, secretFile: 'webhook.secret' } } },
    );
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const { decisionId } = await t.kinetic.startDecision('signedop', { timeouts: FAST_TIMEOUTS });
      for (let i = 0; i < 300; i++) {
        const r = await t.kinetic.getDecision(decisionId);
        if (r.operatorAlert) return r;
        await new Promise((res) => setTimeout(res, 100));
      }
      throw new Error(`${decisionId}: no operator alert was delivered`);
    });
    // The receiver took the alert only because the signature verified.
    expect(rec.operatorAlert).toMatchObject({ ok: true, detail: 'HTTP 204' });
    const delivered = verdicts.find((v) => v.body.includes(rec.id))!;
    expect(delivered).toMatchObject({ ok: true });
    expect(delivered.header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(JSON.parse(delivered.body)).toMatchObject({ kind: 'kinetic.compensation-failed', decisionId: rec.id });
    // The secret itself is never sent.
    expect(delivered.body).not.toContain(SECRET);

    // A tampered body with the genuine header, and the body without a header, are refused.
    expect(await post(delivered.body.replace('"severity":"error"', '"severity":"info"'), delivered.header)).toBe(401);
    expect(verdicts.at(-1)).toMatchObject({ ok: false, reason: 'signature does not match the body' });
    expect(await post(delivered.body, undefined)).toBe(401);
    expect(verdicts.at(-1)).toMatchObject({ ok: false, reason: `no ${SIGNATURE_HEADER} header` });
    // The genuine request still verifies (within the tolerance).
    expect(await post(delivered.body, delivered.header)).toBe(204);

    // The decision waits for an operator; end it (the test is about the alert).
    await t.client.workflow.getHandle(rec.workflowId, rec.runId).terminate('test done');
  }, 90_000);
});

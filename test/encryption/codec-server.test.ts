import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { DefaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptionCodec } from '../../encryption/codec';
import { createCodecServer } from '../../encryption/codec-server';
import { staticKeyRing } from '../../encryption/keyring';

const converter = new DefaultPayloadConverter();
const TOKEN = randomBytes(24).toString('hex');
const UI = 'http://127.0.0.1:8233';
const refusals: string[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
  const codec = new EncryptionCodec(staticKeyRing([{ id: 'k1', key: randomBytes(32) }]));
  server = createCodecServer({ codec, tokens: ['another-token-0123456789', TOKEN], uiOrigins: [UI], onRefused: (why) => refusals.push(why) });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server?.close();
  server?.closeAllConnections();
});

/** The codec protocol's JSON form of a value: base64 metadata and data. */
function jsonPayload(value: unknown) {
  const p = converter.toPayload(value)!;
  return { metadata: Object.fromEntries(Object.entries(p.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])), data: Buffer.from(p.data!).toString('base64') };
}

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', ...headers }, body: JSON.stringify(body) });

describe('kinetic codec-server (Temporal remote codec protocol)', () => {
  it('encodes and decodes for a caller with a bearer token', async () => {
    const value = { approver: 'codec-approver@example.com', cost: 12.5 };
    const enc = await post('/encode', { payloads: [jsonPayload(value)] }, { Authorization: `Bearer ${TOKEN}` });
    expect(enc.status).toBe(200);
    const encoded = (await enc.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> };
    expect(Buffer.from(encoded.payloads[0].metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(encoded.payloads[0].data, 'base64').toString('latin1')).not.toContain('codec-approver');
    const dec = await post('/decode', encoded, { Authorization: `Bearer ${TOKEN}` });
    const decoded = (await dec.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> };
    expect(JSON.parse(Buffer.from(decoded.payloads[0].data, 'base64').toString())).toEqual(value);
  });

  it('refuses without a token or with a wrong one (401)', async () => {
    const body = { payloads: [jsonPayload('x')] };
    const none = await post('/decode', body);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(((await none.json()) as { error: string }).error).toMatch(/missing Authorization: Bearer <token>/);
    expect((await post('/decode', body, { Authorization: 'Bearer not-the-token-000000' })).status).toBe(401);
    expect((await post('/decode', body, { Authorization: TOKEN })).status).toBe(401); // not "Bearer …"
    expect(refusals.filter((r) => /token/.test(r)).length).toBeGreaterThanOrEqual(3);
  });

  it('CORS: a configured UI origin gets its preflight and a path token; others do not', async () => {
    const pre = await fetch(`${base}/ui/${TOKEN}/decode`, { method: 'OPTIONS', headers: { Origin: UI, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-namespace' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(UI);
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/);
    const evil = await fetch(`${base}/decode`, { method: 'OPTIONS', headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' } });
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();

    const body = { payloads: [jsonPayload({ ok: 1 })] };
    const ui = await post(`/ui/${TOKEN}/encode`, body, { Origin: UI });
    expect(ui.status).toBe(200);
    expect(ui.headers.get('access-control-allow-origin')).toBe(UI);
    expect((await post(`/ui/${TOKEN}/encode`, body, { Origin: 'http://evil.example' })).status).toBe(403);
    expect((await post(`/ui/${TOKEN}/encode`, body)).status).toBe(403); // no Origin: not a browser on the UI
    expect((await post('/ui/wrong-token-000000000/encode', body, { Origin: UI })).status).toBe(401);
  });

  it('bad requests get a clear status: unknown path, wrong method, bad body, undecryptable payload', async () => {
    const auth = { Authorization: `Bearer ${TOKEN}` };
    expect((await post('/other', {}, auth)).status).toBe(404);
    expect((await fetch(`${base}/decode`, { headers: auth })).status).toBe(405);
    const bad = await post('/decode', { nope: 1 }, auth);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/payloads array/);
    const foreign = { metadata: { encoding: Buffer.from('binary/encrypted').toString('base64'), 'encryption-key-id': Buffer.from('k-old').toString('base64') }, data: randomBytes(40).toString('base64') };
    const unknown = await post('/decode', { payloads: [foreign] }, auth);
    expect(unknown.status).toBe(422);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/key "k-old", which is not configured here/);
  });
});

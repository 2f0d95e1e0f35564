import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KineticClient } from '../../client';
import { toolPath } from '../../config/tools';
import { EncryptionCodec } from '../../encryption/codec';
import { createCodecServer } from '../../encryption/codec-server';
import { dataConverterFromConfig, keyProviderFor } from '../../encryption/from-config';
import { loadConfig } from '../../config/load';
import { budgetAuthorityId } from '../../workflows/budget-definitions';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';

const run = promisify(execFile);
const SERVICE = 'enc-history';
const APPROVER = 'enc-approver@example.com';
const COMMENT = 'approved-for-launch-7f3a';
const MONTHLY_BUDGET = 98765;
const TOKEN = randomBytes(24).toString('hex');

let t: TestTemporal;
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => t?.close());

/** A service whose 2 → 6 scale-out needs a person, with its keys in a mode-600 key file. */
function encryptedSandbox() {
  const sb = createSandbox();
  writeFileSync(join(sb.dir, 'history.keys'), `k-2026:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  sb.writeConfig(
    {
      [SERVICE]: serviceConfig(sb.csv(SERVICE, flat(55)), {
        approval: { autoApprove: { maxStepChange: 1 }, approvers: [APPROVER], timeout: '30s' },
        budget: { monthly: MONTHLY_BUDGET },
      }),
    },
    { encryption: { keys: { file: 'history.keys' }, codecServer: { tokens: { env: 'KINETIC_TEST_UNUSED' } } } },
  );
  return sb;
}

/** `temporal workflow show --output json` by the built CLI, with extra flags (the codec, or none). */
async function show(workflowId: string, runId: string | undefined, extra: string[] = []): Promise<string> {
  const args = ['workflow', 'show', '--address', inject('temporalAddress'), '--namespace', 'default', '-w', workflowId, ...(runId ? ['-r', runId] : []), '--output', 'json', ...extra];
  return (await run(toolPath('temporal'), args, { maxBuffer: 64 * 1024 * 1024 })).stdout;
}

/** Every `{ metadata: { encoding }, data }` payload object in the CLI's JSON output, with where it is. */
function encodedPayloads(node: unknown, path = '', out: Array<{ path: string; metadata: Record<string, string>; data?: string }> = []) {
  if (Array.isArray(node)) node.forEach((n, i) => encodedPayloads(n, `${path}[${i}]`, out));
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.metadata && typeof o.metadata === 'object' && 'encoding' in (o.metadata as object)) out.push({ ...(o as { metadata: Record<string, string>; data?: string }), path });
    else Object.entries(o).forEach(([k, v]) => encodedPayloads(v, `${path}.${k}`, out));
  }
  return out;
}

const encodingOf = (p: { metadata: Record<string, string> }) => Buffer.from(p.metadata.encoding, 'base64').toString();

describe('encrypted decision histories', () => {
  it('a decision with encryption on leaves no plaintext record field in Temporal; with the codec it reads back', async () => {
    const sb = encryptedSandbox();
    const dataConverter = dataConverterFromConfig(sb.configPath);
    expect(dataConverter).toBeDefined();
    const kinetic = new KineticClient(new Client({ connection: t.client.connection, namespace: 'default', dataConverter }), t.taskQueue);
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await kinetic.startDecision(SERVICE, { timeouts: FAST_TIMEOUTS });
      const deadline = Date.now() + 30_000;
      while ((await kinetic.getDecision(s.decisionId).catch(() => undefined))?.stage !== 'approval') {
        if (Date.now() > deadline) throw new Error('the decision never asked for approval');
        await new Promise((r) => setTimeout(r, 100));
      }
      await kinetic.approve(s.decisionId, APPROVER, COMMENT);
      return kinetic.waitForDecision(s.decisionId);
    });
    expect(rec.outcome).toBe('committed');
    expect(rec.approval).toMatchObject({ decidedBy: APPROVER, comment: COMMENT });
    expect(rec.budget?.limit).toBe(MONTHLY_BUDGET);

    // Without the codec: what anyone with access to Temporal (CLI, UI, database) sees.
    const authority = budgetAuthorityId(`pool:${SERVICE}`, t.taskQueue);
    for (const [id, runId] of [[rec.workflowId, rec.runId], [authority, undefined]] as const) {
      const raw = await show(id, runId);
      const payloads = encodedPayloads(JSON.parse(raw));
      // Plain only: search attributes, and the SDK's own marker bookkeeping (patch ids; a local
      // activity's type, attempt and times), which the codec never sees. Every value is encrypted.
      const plain = payloads.filter((p) => encodingOf(p) !== 'binary/encrypted');
      const sdkOwn = /(\.searchAttributes\.indexedFields\.\w+|\.markerRecordedEventAttributes\.details\.(patch-data|data)\.payloads\[0\])$/;
      // The activity header naming the decision (observability/activity-decision.ts) is plain too,
      // and holds exactly what the search attributes already show: the decision id and service.
      const decisionHeader = /\.activityTaskScheduledEventAttributes\.header\.fields\.kinetic-decision$/;
      expect(plain.filter((p) => !sdkOwn.test(p.path) && !decisionHeader.test(p.path)).map((p) => p.path)).toEqual([]);
      for (const h of plain.filter((p) => decisionHeader.test(p.path))) {
        expect(JSON.parse(Buffer.from(h.data!, 'base64').toString())).toEqual({ decisionId: rec.id, service: SERVICE });
      }
      expect(payloads.length - plain.length).toBeGreaterThan(id === authority ? 2 : 10);
      for (const plaintext of [APPROVER, COMMENT, String(MONTHLY_BUDGET), 'projectedMonthly', 'decidedBy', 'chargeback', 'capacityPerInstance', 'json/plain', sb.dir]) {
        expect(raw, `${plaintext} in ${id}`).not.toContain(plaintext);
      }
    }
    // Search attributes are not payloads: they stay readable (and carry no secrets).
    expect(await show(rec.workflowId, rec.runId)).toContain(Buffer.from(JSON.stringify(rec.id)).toString('base64'));

    // With the codec server (the real CLI's --codec-endpoint, bearer token): the record reads back.
    const cfg = loadConfig(sb.configPath);
    const refusals: string[] = [];
    const server = createCodecServer({ codec: new EncryptionCodec(keyProviderFor(cfg.encryption!, sb.dir)), tokens: [TOKEN], uiOrigins: [], onRefused: (why) => refusals.push(why) });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const decoded = encodedPayloads(JSON.parse(await show(rec.workflowId, rec.runId, ['--codec-endpoint', endpoint, '--codec-auth', `Bearer ${TOKEN}`])));
      expect(decoded.filter((p) => encodingOf(p) === 'binary/encrypted')).toEqual([]);
      const readable = decoded.map((p) => Buffer.from(p.data ?? '', 'base64').toString()).join('\n');
      for (const plaintext of [APPROVER, COMMENT, `"limit":${MONTHLY_BUDGET}`, 'projectedMonthly', 'decidedBy']) expect(readable).toContain(plaintext);
      expect(refusals).toEqual([]);
      // A wrong token: the codec server refuses (401), and the CLI fails instead of printing plaintext.
      const refused = await show(rec.workflowId, rec.runId, ['--codec-endpoint', endpoint, '--codec-auth', 'Bearer wrong-token-0000000000', '--command-timeout', '3s']).then(
        (out) => ({ failed: false, out }),
        (e: Error & { stdout: string; stderr: string }) => ({ failed: true, out: e.stdout + e.stderr }),
      );
      expect(refused.failed).toBe(true);
      expect(refused.out).not.toContain(APPROVER);
      expect(refusals[0]).toMatch(/token not accepted/);
    } finally {
      server.close();
      server.closeAllConnections();
    }

    // Replay (what a worker does after a restart) needs the same data converter; without it the history is unreadable.
    const history = await kinetic.client.workflow.getHandle(rec.workflowId, rec.runId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') }, dataConverter }, history, rec.workflowId);
    await expect(Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, rec.workflowId)).rejects.toThrow(/binary\/encrypted/);
  }, 90_000);

  it('failure messages are encrypted too: a failed decision leaves its error only inside encrypted payloads', async () => {
    const sb = createSandbox();
    writeFileSync(join(sb.dir, 'history.keys'), `k-2026:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    const missing = join(sb.dir, 'missing-metrics-7c2e.csv');
    sb.writeConfig({ 'enc-history-fail': serviceConfig(missing) }, { encryption: { keys: { file: 'history.keys' } } });
    const dataConverter = dataConverterFromConfig(sb.configPath);
    const kinetic = new KineticClient(new Client({ connection: t.client.connection, namespace: 'default', dataConverter }), t.taskQueue);
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await kinetic.startDecision('enc-history-fail', { timeouts: FAST_TIMEOUTS });
      return kinetic.waitForDecision(s.decisionId);
    });
    expect(rec.outcome).toBe('failed');
    expect(rec.error).toContain('missing-metrics-7c2e'); // readable with the codec
    const raw = await show(rec.workflowId, rec.runId);
    expect(raw).toContain('Encoded failure'); // the failure is there, its message sealed
    expect(raw).not.toContain('missing-metrics-7c2e');
    expect(raw).not.toContain(sb.dir);
  }, 60_000);
});

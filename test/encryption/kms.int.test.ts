import { randomBytes } from 'node:crypto';
import type { KMSClient } from '@aws-sdk/client-kms';
import { Client } from '@temporalio/client';
import { DefaultPayloadConverter, Payload } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KineticClient } from '../../client';
import { DecryptionError } from '../../encryption/aes-gcm';
import { EncryptionCodec, METADATA_KEY_ID } from '../../encryption/codec';
import { dataConverterFromConfig } from '../../encryption/from-config';
import { staticKeyRing, combinedKeys } from '../../encryption/keyring';
import { kmsKeys, METADATA_DATA_KEY } from '../../encryption/kms-keys';
import { LOCAL_KMS_CREDENTIALS, LocalKms, startLocalKms } from '../helpers/local-kms';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';

const converter = new DefaultPayloadConverter();
const VALUE = { approver: 'kms-approver@example.com', monthly: 31337 };
const text = (b: Uint8Array | null | undefined) => Buffer.from(b ?? []).toString();

let kms: LocalKms;
let keyId: string;
beforeAll(async () => {
  kms = await startLocalKms();
  keyId = await kms.createKey();
});
afterAll(async () => kms?.stop());

/** A KMS client on local-kms that records the operations it sends. */
function countingClient(calls: string[]): KMSClient {
  const client = kms.client();
  client.middlewareStack.add((next, ctx) => async (args) => {
    calls.push(ctx.commandName as string);
    return next(args);
  }, { step: 'initialize' });
  return client;
}

describe('envelope encryption through a KMS (local-kms)', () => {
  it('seals with a cached KMS data key that travels encrypted in the metadata; another process opens it through KMS Decrypt', async () => {
    const sealCalls: string[] = [];
    const writer = new EncryptionCodec(kmsKeys({ keyId }, countingClient(sealCalls)));
    const sealed = await writer.encode([1, 2, 3].map((i) => converter.toPayload({ ...VALUE, i })!));
    expect(sealCalls).toEqual(['GenerateDataKeyCommand']); // one data key for the batch
    const ids = new Set(sealed.map((p) => text(p.metadata![METADATA_KEY_ID])));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^kms-[0-9a-f]{24}$/);
    for (const p of sealed) {
      expect(p.metadata![METADATA_DATA_KEY]!.length).toBeGreaterThan(32);
      expect(Buffer.from(p.data!).includes('kms-approver')).toBe(false);
    }
    const openCalls: string[] = [];
    const reader = new EncryptionCodec(kmsKeys({ keyId }, countingClient(openCalls)));
    const opened = await reader.decode(sealed);
    expect(opened.map((p) => converter.fromPayload(p))).toEqual([1, 2, 3].map((i) => ({ ...VALUE, i })));
    await reader.decode(sealed);
    expect(openCalls).toEqual(['DecryptCommand']); // then cached
  });

  it('a new data key after dataKeyTtl; tampering and a wrong KMS key are refused by name', async () => {
    const codec = new EncryptionCodec(kmsKeys({ keyId, dataKeyTtlSeconds: 0 }, kms.client()));
    const [a] = await codec.encode([converter.toPayload(VALUE)!]);
    const [b] = await codec.encode([converter.toPayload(VALUE)!]);
    expect(text(a.metadata![METADATA_KEY_ID])).not.toBe(text(b.metadata![METADATA_KEY_ID]));
    // b's data key under a's key id: the id no longer matches the key it names.
    const swapped: Payload = { ...a, metadata: { ...a.metadata, [METADATA_DATA_KEY]: b.metadata![METADATA_DATA_KEY] } };
    await expect(new EncryptionCodec(kmsKeys({ keyId }, kms.client())).decode([swapped])).rejects.toThrow(/does not match its encryption-data-key: the payload metadata was altered/);
    const flipped: Payload = { ...a, data: Buffer.from(a.data!) };
    flipped.data![15] ^= 0xff;
    await expect(new EncryptionCodec(kmsKeys({ keyId }, kms.client())).decode([flipped])).rejects.toThrow(DecryptionError);
    const otherKey = await kms.createKey();
    await expect(new EncryptionCodec(kmsKeys({ keyId: otherKey }, kms.client())).decode([a])).rejects.toThrow(
      new RegExp(`KMS could not decrypt data key "${text(a.metadata![METADATA_KEY_ID])}" with encryption.kms.keyId ${otherKey}: .*check the key id`),
    );
  });

  it('moving from static keys to KMS: KMS seals new payloads, the old key still opens old ones', async () => {
    const old = { id: 'static-2025', key: randomBytes(32) };
    const [before] = await new EncryptionCodec(staticKeyRing([old])).encode([converter.toPayload('written before KMS')!]);
    const both = new EncryptionCodec(combinedKeys(kmsKeys({ keyId }, kms.client()), staticKeyRing([old])));
    const [after] = await both.encode([converter.toPayload('written with KMS')!]);
    expect(after.metadata![METADATA_DATA_KEY]).toBeDefined();
    expect((await both.decode([before, after])).map((p) => converter.fromPayload(p))).toEqual(['written before KMS', 'written with KMS']);
  });
});

describe('a decision with encryption.kms in kinetic.yaml', () => {
  let t: TestTemporal;
  beforeAll(async () => {
    t = await connectTestTemporal();
  });
  afterAll(async () => t?.close());

  it('runs with every payload sealed by a KMS data key, and replays with the same config', async () => {
    // The SDK's default chain reads these; local-kms does not check them.
    process.env.AWS_ACCESS_KEY_ID = LOCAL_KMS_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = LOCAL_KMS_CREDENTIALS.secretAccessKey;
    const sb = createSandbox();
    sb.writeConfig({ 'enc-kms': serviceConfig(sb.csv('enc-kms', flat(35))) }, { encryption: { kms: { keyId, endpoint: kms.endpoint, region: kms.region } } });
    const dataConverter = dataConverterFromConfig(sb.configPath);
    const kinetic = new KineticClient(new Client({ connection: t.client.connection, namespace: 'default', dataConverter }), t.taskQueue);
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await kinetic.startDecision('enc-kms', { timeouts: FAST_TIMEOUTS });
      return kinetic.waitForDecision(s.decisionId);
    });
    expect(rec.outcome).toBe('committed');
    // Read as anyone with Temporal access would: the plain client, no codec.
    const history = await t.client.workflow.getHandle(rec.workflowId, rec.runId).fetchHistory();
    const started = history.events![0].workflowExecutionStartedEventAttributes!;
    const completed = history.events!.at(-1)!.workflowExecutionCompletedEventAttributes!;
    for (const p of [...started.input!.payloads!, ...completed.result!.payloads!, ...Object.values(started.memo!.fields!)]) {
      expect(text(p.metadata!.encoding)).toBe('binary/encrypted');
      expect(text(p.metadata![METADATA_KEY_ID])).toMatch(/^kms-/);
      expect(p.metadata![METADATA_DATA_KEY]).toBeDefined();
      expect(Buffer.from(p.data!).toString('latin1')).not.toMatch(/"(outcome|decisionId|service)"/);
    }
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') }, dataConverter }, history, rec.workflowId);
  });
});

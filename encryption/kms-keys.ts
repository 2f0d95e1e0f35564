import { createHash } from 'node:crypto';
import type * as Kms from '@aws-sdk/client-kms';

/** Loaded only where a config names KMS: kinetic/client's import graph stays free of the AWS SDK. */
const sdk = (): typeof Kms => require('@aws-sdk/client-kms');
import type { DataKey } from './aes-gcm';
import type { KeyProvider } from './keyring';

/**
 * Envelope encryption: AWS KMS (or a KMS-compatible endpoint) issues AES-256 data keys; a payload
 * carries its data key encrypted by KMS (`encryption-data-key`), so only a caller KMS lets decrypt
 * can read it. Data keys are cached: one seals for `dataKeyTtlSeconds`, opened ones are kept.
 */
export const METADATA_DATA_KEY = 'encryption-data-key';

export interface KmsOptions {
  keyId: string;
  region?: string;
  endpoint?: string;
  dataKeyTtlSeconds?: number;
}

/** The id of a data key, from its encrypted form (stable, so the same key is recognised in the cache). */
export function dataKeyId(encrypted: Uint8Array): string {
  return `kms-${createHash('sha256').update(encrypted).digest('hex').slice(0, 24)}`;
}

const MAX_CACHED = 1000;

export function kmsKeys(opts: KmsOptions, client: Kms.KMSClient = new (sdk().KMSClient)({ region: opts.region ?? process.env.AWS_REGION ?? 'us-east-1', ...(opts.endpoint ? { endpoint: opts.endpoint } : {}) })) {
  const ttlMs = (opts.dataKeyTtlSeconds ?? 300) * 1000;
  let sealing: { key: DataKey; encrypted: Uint8Array; until: number } | undefined;
  let pending: Promise<NonNullable<typeof sealing>> | undefined;
  const opened = new Map<string, DataKey>();

  function remember(k: DataKey) {
    if (opened.size >= MAX_CACHED) opened.delete(opened.keys().next().value as string);
    opened.set(k.id, k);
  }

  async function newDataKey() {
    let out;
    try {
      out = await client.send(new (sdk().GenerateDataKeyCommand)({ KeyId: opts.keyId, KeySpec: 'AES_256' }));
    } catch (e) {
      throw new Error(`KMS GenerateDataKey with encryption.kms.keyId ${opts.keyId} failed: ${(e as Error).message}; check the key id, region/endpoint and that this identity may kms:GenerateDataKey`);
    }
    if (!out.Plaintext || !out.CiphertextBlob) throw new Error(`KMS GenerateDataKey for ${opts.keyId} returned no key`);
    const key = { id: dataKeyId(out.CiphertextBlob), key: Buffer.from(out.Plaintext) };
    remember(key);
    return { key, encrypted: out.CiphertextBlob, until: Date.now() + ttlMs };
  }

  const decrypting = new Map<string, Promise<DataKey>>();

  async function decryptDataKey(keyId: string, encrypted: Uint8Array): Promise<DataKey> {
    let out;
    try {
      out = await client.send(new (sdk().DecryptCommand)({ CiphertextBlob: encrypted, KeyId: opts.keyId }));
    } catch (e) {
      throw new Error(`KMS could not decrypt data key "${keyId}" with encryption.kms.keyId ${opts.keyId}: ${(e as Error).message}; check the key id, region/endpoint and that this identity may kms:Decrypt`);
    }
    if (!out.Plaintext) throw new Error(`KMS Decrypt of data key "${keyId}" returned no key`);
    const key = { id: keyId, key: Buffer.from(out.Plaintext) };
    remember(key);
    return key;
  }

  const provider: KeyProvider & { opens(m: Record<string, Uint8Array | null | undefined>): boolean } = {
    async sealingKey() {
      if (!sealing || sealing.until <= Date.now()) {
        pending ??= newDataKey().finally(() => (pending = undefined));
        sealing = await pending;
      }
      return { key: sealing.key, extraMetadata: { [METADATA_DATA_KEY]: sealing.encrypted } };
    },
    async openingKey(keyId, metadata) {
      const hit = opened.get(keyId);
      if (hit) return hit;
      const encrypted = metadata[METADATA_DATA_KEY];
      if (!encrypted) throw new Error(`payload key "${keyId}" carries no ${METADATA_DATA_KEY}: it was not sealed through KMS; configure encryption.keys with the key it was sealed with`);
      if (dataKeyId(encrypted) !== keyId) throw new Error(`payload key "${keyId}" does not match its ${METADATA_DATA_KEY}: the payload metadata was altered`);
      // A batch of payloads under one data key asks KMS once.
      let asking = decrypting.get(keyId);
      if (!asking) {
        asking = decryptDataKey(keyId, encrypted).finally(() => decrypting.delete(keyId));
        decrypting.set(keyId, asking);
      }
      return asking;
    },
    knownKeyIds: () => [`kms:${opts.keyId}`],
    opens: (m) => Boolean(m[METADATA_DATA_KEY]),
  };
  return provider;
}

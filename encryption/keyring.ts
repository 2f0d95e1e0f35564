import type { DataKey } from './aes-gcm';

/** Where the codec gets keys: the one that seals new payloads, and the one a stored payload names. */
export interface KeyProvider {
  /** The key new payloads are sealed with, and any extra metadata the payload must carry to find it again. */
  sealingKey(): Promise<{ key: DataKey; extraMetadata?: Record<string, Uint8Array> }>;
  /** The key a payload was sealed with, from its key id (and extra metadata, e.g. a KMS-encrypted data key). */
  openingKey(keyId: string, metadata: Record<string, Uint8Array | null | undefined>): Promise<DataKey>;
  /** Key ids this provider opens without outside help (for messages). */
  knownKeyIds(): string[];
}

export class UnknownKeyError extends Error {
  constructor(readonly keyId: string, known: string[]) {
    super(
      `payload was encrypted with key "${keyId}", which is not configured here (configured: ${known.join(', ') || 'none'}); ` +
        `add key "${keyId}" to the encryption.keys key file or environment variable (after rotation old keys stay listed to decrypt old histories)`,
    );
    this.name = 'UnknownKeyError';
  }
}

/** Static keys: the last (newest) seals, all open. */
export function staticKeyRing(keys: DataKey[]): KeyProvider {
  if (keys.length === 0) throw new Error('a key ring needs at least one key');
  const byId = new Map(keys.map((k) => [k.id, k]));
  const newest = keys[keys.length - 1];
  return {
    async sealingKey() {
      return { key: newest };
    },
    async openingKey(keyId) {
      const k = byId.get(keyId);
      if (!k) throw new UnknownKeyError(keyId, [...byId.keys()]);
      return k;
    },
    knownKeyIds: () => [...byId.keys()],
  };
}

/** KMS (when configured) seals; payloads carrying a KMS data key open through it, the others through the static ring. */
export function combinedKeys(sealer: KeyProvider & { opens(metadata: Record<string, Uint8Array | null | undefined>): boolean }, fallback?: KeyProvider): KeyProvider {
  return {
    sealingKey: () => sealer.sealingKey(),
    async openingKey(keyId, metadata) {
      if (sealer.opens(metadata) || !fallback) return sealer.openingKey(keyId, metadata);
      return fallback.openingKey(keyId, metadata);
    },
    knownKeyIds: () => [...sealer.knownKeyIds(), ...(fallback?.knownKeyIds() ?? [])],
  };
}

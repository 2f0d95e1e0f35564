import { METADATA_ENCODING_KEY, Payload, PayloadCodec, ValueError } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { open, seal } from './aes-gcm';
import type { KeyProvider } from './keyring';

/**
 * Temporal PayloadCodec: every payload (workflow input and result, activity arguments and results,
 * signals, updates, queries, memo) leaves the process as `binary/encrypted` with the key id in its
 * metadata. Search attributes are not payloads a codec sees: they stay readable (and are meant to be).
 */
export const ENCODING_ENCRYPTED = 'binary/encrypted';
export const METADATA_KEY_ID = 'encryption-key-id';

const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null | undefined) => (b ? new TextDecoder().decode(b) : '');

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: KeyProvider) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(
      payloads.map(async (payload) => {
        const { key, extraMetadata } = await this.keys.sealingKey();
        return {
          metadata: { [METADATA_ENCODING_KEY]: utf8(ENCODING_ENCRYPTED), [METADATA_KEY_ID]: utf8(key.id), ...extraMetadata },
          data: seal(key, temporal.api.common.v1.Payload.encode(payload).finish()),
        };
      }),
    );
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(
      payloads.map(async (payload) => {
        const metadata = payload.metadata ?? {};
        // Payloads written before encryption was switched on stay readable.
        if (text(metadata[METADATA_ENCODING_KEY]) !== ENCODING_ENCRYPTED) return payload;
        const keyId = text(metadata[METADATA_KEY_ID]);
        if (!keyId) throw new ValueError(`encrypted payload has no ${METADATA_KEY_ID} metadata: it was not written by Kinetic's codec`);
        if (!payload.data) throw new ValueError(`encrypted payload under key "${keyId}" has no data`);
        const key = await this.keys.openingKey(keyId, metadata);
        return temporal.api.common.v1.Payload.decode(open(key, payload.data)) as Payload;
      }),
    );
  }
}

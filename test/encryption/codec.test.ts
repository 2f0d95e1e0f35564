import { randomBytes } from 'node:crypto';
import { DefaultPayloadConverter, METADATA_ENCODING_KEY, Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { DecryptionError } from '../../encryption/aes-gcm';
import { ENCODING_ENCRYPTED, EncryptionCodec, METADATA_KEY_ID } from '../../encryption/codec';
import { staticKeyRing, UnknownKeyError } from '../../encryption/keyring';

const converter = new DefaultPayloadConverter();
const key = (id: string) => ({ id, key: randomBytes(32) });
const text = (b: Uint8Array | null | undefined) => Buffer.from(b ?? []).toString('utf8');

/** A record-like value whose fields must never show in a stored payload. */
const RECORD = { service: 'payments-api', estimatedMonthlyCost: 4321.5, approver: 'sre-oncall@example.com', comment: 'approved for the launch' };

describe('EncryptionCodec (AES-256-GCM)', () => {
  it('round-trips a payload, and the stored form shows none of its fields', async () => {
    const codec = new EncryptionCodec(staticKeyRing([key('k1')]));
    const plain = converter.toPayload(RECORD)!;
    const [enc] = await codec.encode([plain]);
    expect(text(enc.metadata![METADATA_ENCODING_KEY])).toBe(ENCODING_ENCRYPTED);
    expect(text(enc.metadata![METADATA_KEY_ID])).toBe('k1');
    const stored = Buffer.from(JSON.stringify({ m: Object.values(enc.metadata!).map(text), d: text(enc.data) }));
    for (const field of ['payments-api', '4321.5', 'sre-oncall@example.com', 'launch', 'json/plain']) expect(stored.includes(field)).toBe(false);
    const [dec] = await codec.decode([enc]);
    expect(converter.fromPayload(dec)).toEqual(RECORD);
  });

  it('uses a fresh IV per payload (the same value encrypts differently)', async () => {
    const codec = new EncryptionCodec(staticKeyRing([key('k1')]));
    const p = converter.toPayload(RECORD)!;
    const [a, b] = await codec.encode([p, p]);
    expect(Buffer.from(a.data!).equals(Buffer.from(b.data!))).toBe(false);
    expect(Buffer.from(a.data!).subarray(0, 12).equals(Buffer.from(b.data!).subarray(0, 12))).toBe(false);
  });

  it('leaves payloads written before encryption readable', async () => {
    const codec = new EncryptionCodec(staticKeyRing([key('k1')]));
    const plain = converter.toPayload(RECORD)!;
    const [out] = await codec.decode([plain]);
    expect(converter.fromPayload(out)).toEqual(RECORD);
  });

  it('rotation: the newest key encrypts, the old key still decrypts old payloads', async () => {
    const old = key('2026-01');
    const next = key('2026-06');
    const before = new EncryptionCodec(staticKeyRing([old]));
    const after = new EncryptionCodec(staticKeyRing([old, next]));
    const [oldPayload] = await before.encode([converter.toPayload(RECORD)!]);
    const [newPayload] = await after.encode([converter.toPayload({ ...RECORD, comment: 'after rotation' })!]);
    expect(text(oldPayload.metadata![METADATA_KEY_ID])).toBe('2026-01');
    expect(text(newPayload.metadata![METADATA_KEY_ID])).toBe('2026-06');
    const [a, b] = await after.decode([oldPayload, newPayload]);
    expect(converter.fromPayload(a)).toEqual(RECORD);
    expect(converter.fromPayload(b)).toEqual({ ...RECORD, comment: 'after rotation' });
    // A process still on the old key set cannot read the new payload, and says which key to add.
    const err = await before.decode([newPayload]).catch((e: Error) => e);
    expect(err).toBeInstanceOf(UnknownKeyError);
    expect((err as Error).message).toContain('"2026-06"');
    expect((err as Error).message).toContain('add key "2026-06" to the encryption.keys');
  });

  it('detects tampering: a changed byte, a truncated box, or a relabelled key id', async () => {
    const k1 = key('k1');
    const k2 = key('k2');
    const codec = new EncryptionCodec(staticKeyRing([k1, k2]));
    const [enc] = await codec.encode([converter.toPayload(RECORD)!]); // sealed with k2 (newest)
    const flipped: Payload = { ...enc, data: Buffer.from(enc.data!) };
    flipped.data![20] ^= 0x01;
    await expect(codec.decode([flipped])).rejects.toThrow(DecryptionError);
    await expect(codec.decode([{ ...enc, data: enc.data!.subarray(0, 10) }])).rejects.toThrow(/too short/);
    const relabelled: Payload = { ...enc, metadata: { ...enc.metadata, [METADATA_KEY_ID]: Buffer.from('k1') } };
    await expect(codec.decode([relabelled])).rejects.toThrow(/does not authenticate/);
    // The same key bytes under another id also fail: the id is authenticated data.
    const renamed = new EncryptionCodec(staticKeyRing([{ id: 'k9', key: k2.key }]));
    await expect(renamed.decode([{ ...enc, metadata: { ...enc.metadata, [METADATA_KEY_ID]: Buffer.from('k9') } }])).rejects.toThrow(DecryptionError);
  });
});

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM over bytes, nothing Temporal-specific. A sealed box is `iv (12) ‖ ciphertext ‖ tag (16)`;
 * the key id is bound as additional authenticated data, so a box cannot be relabelled to another key.
 */
export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface DataKey {
  id: string;
  key: Buffer;
}

/** Thrown when a box does not authenticate: wrong key, or bytes changed after encryption. */
export class DecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecryptionError';
  }
}

function checkKey(k: DataKey): void {
  if (k.key.length !== KEY_BYTES) throw new Error(`encryption key "${k.id}" is ${k.key.length} bytes; AES-256 needs ${KEY_BYTES} (generate one with: openssl rand -base64 32)`);
}

export function seal(k: DataKey, plaintext: Uint8Array): Buffer {
  checkKey(k);
  const iv = randomBytes(IV_BYTES); // fresh per box: GCM must never reuse an IV under one key
  const cipher = createCipheriv('aes-256-gcm', k.key, iv);
  cipher.setAAD(Buffer.from(k.id, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

export function open(k: DataKey, box: Uint8Array): Buffer {
  checkKey(k);
  if (box.length < IV_BYTES + TAG_BYTES) throw new DecryptionError(`encrypted payload under key "${k.id}" is ${box.length} bytes, too short to be AES-256-GCM (truncated?)`);
  const buf = Buffer.from(box);
  const decipher = createDecipheriv('aes-256-gcm', k.key, buf.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(k.id, 'utf8'));
  decipher.setAuthTag(buf.subarray(buf.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(buf.subarray(IV_BYTES, buf.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new DecryptionError(`encrypted payload under key "${k.id}" does not authenticate: it was altered, or the key "${k.id}" configured here is not the one it was encrypted with`);
  }
}

import { readFileSync, statSync } from 'node:fs';
import { ConfigError } from '../config/load';
import { DataKey, KEY_BYTES } from './aes-gcm';

/**
 * Static keys from a key file or an environment variable. Text formats:
 *   - lines (or comma-separated) `id:base64key`, oldest first;
 *   - JSON: `[{ "id": "...", "key": "base64" }, ...]` or `{ "id": "base64", ... }`, oldest first.
 * The last key is the newest: it encrypts; every key decrypts (rotation: append, never remove
 * a key while histories encrypted with it are kept).
 */
export class KeyConfigError extends ConfigError {
  constructor(message: string) {
    super(message);
    this.name = 'KeyConfigError';
  }
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const HINT = 'each key is `id:base64` with a 32-byte key (openssl rand -base64 32)';

function toKey(id: string, b64: string, where: string): DataKey {
  if (!KEY_ID.test(id)) throw new KeyConfigError(`${where}: key id ${JSON.stringify(id)} must be 1-64 letters, digits, '.', '_' or '-'`);
  const text = b64.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw new KeyConfigError(`${where}: key "${id}" is not base64; ${HINT}`);
  const key = Buffer.from(text, 'base64');
  if (key.length !== KEY_BYTES) throw new KeyConfigError(`${where}: key "${id}" is ${key.length} bytes, AES-256 needs ${KEY_BYTES}; ${HINT}`);
  return { id, key };
}

export function parseKeys(text: string, where: string): DataKey[] {
  const trimmed = text.trim();
  let keys: DataKey[];
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let raw: unknown;
    try {
      raw = JSON.parse(trimmed);
    } catch (e) {
      throw new KeyConfigError(`${where}: not valid JSON (${(e as Error).message}); ${HINT}`);
    }
    const entries = Array.isArray(raw)
      ? raw.map((e: { id?: unknown; key?: unknown }) => [e?.id, e?.key] as const)
      : Object.entries(raw as Record<string, unknown>);
    keys = entries.map(([id, key]) => {
      if (typeof id !== 'string' || typeof key !== 'string') throw new KeyConfigError(`${where}: every entry needs a string id and key; ${HINT}`);
      return toKey(id, key, where);
    });
  } else {
    keys = trimmed
      .split(/[\n,]/)
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
      .map((line) => {
        const at = line.indexOf(':');
        if (at <= 0) throw new KeyConfigError(`${where}: line "${line.slice(0, 12)}…" is not id:base64key; ${HINT}`);
        return toKey(line.slice(0, at).trim(), line.slice(at + 1), where);
      });
  }
  if (keys.length === 0) throw new KeyConfigError(`${where}: no keys; ${HINT}`);
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k.id)) throw new KeyConfigError(`${where}: key id "${k.id}" appears twice; give every key its own id`);
    seen.add(k.id);
  }
  return keys;
}

/** Key file: must not be readable by group or others (like ssh keys). */
export function readKeyFile(file: string): DataKey[] {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (e) {
    throw new KeyConfigError(`encryption.keys.file ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); create it with lines id:base64key and chmod 600`);
  }
  if ((mode & 0o077) !== 0) {
    throw new KeyConfigError(`encryption.keys.file ${file}: readable by group or others (mode ${(mode & 0o777).toString(8)}); run chmod 600 ${file}`);
  }
  return parseKeys(readFileSync(file, 'utf8'), `encryption.keys.file ${file}`);
}

export function readKeyEnv(name: string, env: NodeJS.ProcessEnv = process.env): DataKey[] {
  const text = env[name];
  if (!text) throw new KeyConfigError(`encryption.keys.env: environment variable ${name} is not set; export ${name}=id:base64key[,id2:base64key] (newest last)`);
  return parseKeys(text, `environment variable ${name}`);
}

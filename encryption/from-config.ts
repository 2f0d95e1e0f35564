import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { parse as parseYaml } from 'yaml';
import { LoadedConfig, loadConfig, resolveConfigPath } from '../config/load';
import type { EncryptionConfig } from '../config/schema-encryption';
import { EncryptionCodec } from './codec';
import { combinedKeys, KeyProvider, staticKeyRing } from './keyring';
import { readKeyEnv, readKeyFile } from './key-source';
import { kmsKeys } from './kms-keys';
import { readTokens, uiCodecEndpoint } from './tokens';

/** The key provider an `encryption:` block describes (paths relative to kinetic.yaml's directory). */
export function keyProviderFor(enc: EncryptionConfig, baseDir: string): KeyProvider {
  const ring = enc.keys ? staticKeyRing(enc.keys.file ? readKeyFile(resolve(baseDir, enc.keys.file)) : readKeyEnv(enc.keys.env!)) : undefined;
  if (!enc.kms) return ring!;
  return combinedKeys(kmsKeys({ keyId: enc.kms.keyId, region: enc.kms.region, endpoint: enc.kms.endpoint, dataKeyTtlSeconds: enc.kms.dataKeyTtl }), ring);
}

/** Failure messages and stack traces go into an encoded payload, which the codec encrypts (see failure-converter.js). */
export const ENCRYPTED_FAILURES_PATH = join(__dirname, 'failure-converter.js');

export function dataConverterFor(enc: EncryptionConfig | undefined, baseDir: string): DataConverter | undefined {
  return enc ? { payloadCodecs: [new EncryptionCodec(keyProviderFor(enc, baseDir))], failureConverterPath: ENCRYPTED_FAILURES_PATH } : undefined;
}

/**
 * The data converter kinetic.yaml asks for; undefined (Temporal's default: plain JSON) when it has
 * no `encryption:` block. A config that does not load but names `encryption` is an error: running
 * without the codec would write plaintext next to encrypted histories, or fail to read them.
 */
export function dataConverterFromConfig(configPath?: string): DataConverter | undefined {
  const file = resolveConfigPath(configPath);
  let enc: EncryptionConfig | undefined;
  try {
    enc = loadConfig(file).encryption;
  } catch (e) {
    if (mentionsEncryption(file)) throw e;
    return undefined;
  }
  return dataConverterFor(enc, dirname(file));
}

function mentionsEncryption(file: string): boolean {
  try {
    const raw = parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown> | null;
    return Boolean(raw && typeof raw === 'object' && 'encryption' in raw);
  } catch {
    return false;
  }
}

/** The codec endpoint the dev server's Web UI is given (`--ui-codec-endpoint`), when a codec server is configured. */
export function uiCodecEndpointFromConfig(cfg: LoadedConfig): string | undefined {
  const server = cfg.encryption?.codecServer;
  return server ? uiCodecEndpoint(server, readTokens(server.tokens, dirname(cfg.file))) : undefined;
}

import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../config/load';
import { parseKeys, readKeyEnv, readKeyFile } from '../../encryption/key-source';
import { readTokens, uiCodecEndpoint } from '../../encryption/tokens';
import { createSandbox, serviceConfig } from '../helpers/sandbox';

const b64 = (n = 32) => randomBytes(n).toString('base64');

describe('encryption keys from a file or the environment', () => {
  it('reads lines id:base64, JSON arrays and JSON objects, oldest first', () => {
    const [a, b] = [b64(), b64()];
    for (const text of [`# keys\nold:${a}\nnew:${b}\n`, `old:${a},new:${b}`, JSON.stringify([{ id: 'old', key: a }, { id: 'new', key: b }]), JSON.stringify({ old: a, new: b })]) {
      const keys = parseKeys(text, 'test');
      expect(keys.map((k) => k.id)).toEqual(['old', 'new']);
      expect(keys[0].key.equals(Buffer.from(a, 'base64'))).toBe(true);
      expect(keys[1].key.equals(Buffer.from(b, 'base64'))).toBe(true);
    }
  });

  it('refuses bad keys with the key id and the fix', () => {
    expect(() => parseKeys(`k1:${b64(16)}`, 'f')).toThrow(/key "k1" is 16 bytes, AES-256 needs 32.*openssl rand -base64 32/);
    expect(() => parseKeys('k1:not base64!', 'f')).toThrow(/key "k1" is not base64/);
    expect(() => parseKeys(`k1:${b64()}\nk1:${b64()}`, 'f')).toThrow(/"k1" appears twice/);
    expect(() => parseKeys(b64(), 'f')).toThrow(/is not id:base64key/);
    expect(() => parseKeys('', 'f')).toThrow(/no keys/);
    expect(() => parseKeys('{"k1": 5}', 'f')).toThrow(/string id and key/);
    expect(() => parseKeys(`bad id:${b64()}`, 'f')).toThrow(/key id "bad id"/);
  });

  it('a key file readable by others is refused with the chmod to run', () => {
    const sb = createSandbox();
    const file = join(sb.dir, 'keys');
    writeFileSync(file, `k1:${b64()}\n`);
    chmodSync(file, 0o644);
    expect(() => readKeyFile(file)).toThrow(`readable by group or others (mode 644); run chmod 600 ${file}`);
    chmodSync(file, 0o600);
    expect(readKeyFile(file).map((k) => k.id)).toEqual(['k1']);
    expect(() => readKeyFile(join(sb.dir, 'missing'))).toThrow(/cannot read \(ENOENT\)/);
  });

  it('an unset environment variable is named with the export to run', () => {
    expect(() => readKeyEnv('KINETIC_TEST_NO_SUCH_KEYS', {})).toThrow(/KINETIC_TEST_NO_SUCH_KEYS is not set; export KINETIC_TEST_NO_SUCH_KEYS=id:base64key/);
    expect(readKeyEnv('K', { K: `a:${b64()},b:${b64()}` }).map((k) => k.id)).toEqual(['a', 'b']);
  });

  it('codec-server tokens: at least one, long enough; the UI endpoint carries the first', () => {
    expect(() => readTokens({ env: 'T' }, '/', {})).toThrow(/no tokens/);
    expect(() => readTokens({ env: 'T' }, '/', { T: 'short' })).toThrow(/at least 16 characters/);
    const tokens = readTokens({ env: 'T' }, '/', { T: 'aaaaaaaaaaaaaaaa1, bbbbbbbbbbbbbbbb2' });
    expect(tokens).toEqual(['aaaaaaaaaaaaaaaa1', 'bbbbbbbbbbbbbbbb2']);
    expect(uiCodecEndpoint({ host: '0.0.0.0', port: 9000, uiOrigins: [], tokens: { env: 'T' } }, tokens)).toBe('http://127.0.0.1:9000/ui/aaaaaaaaaaaaaaaa1');
  });
});

describe('kinetic.yaml encryption block', () => {
  const config = (encryption: unknown) => {
    const sb = createSandbox();
    sb.writeConfig({ web: serviceConfig('x.csv') }, { encryption });
    return () => parseConfig(readFileSync(sb.configPath, 'utf8'), sb.configPath);
  };

  it('accepts keys from a file, KMS, and a codec server with defaults', () => {
    const cfg = config({ keys: { file: 'keys.txt' }, kms: { keyId: 'alias/kinetic', endpoint: 'http://127.0.0.1:4599', dataKeyTtl: '10m' }, codecServer: { tokens: { env: 'KINETIC_CODEC_TOKENS' } } })();
    expect(cfg.encryption?.kms?.dataKeyTtl).toBe(600);
    expect(cfg.encryption?.codecServer).toMatchObject({ host: '127.0.0.1', port: 8089, uiOrigins: ['http://127.0.0.1:8233', 'http://localhost:8233'] });
  });

  it('names the field and the fix for a bad block', () => {
    const errorOf = (enc: unknown) => {
      try {
        config(enc)();
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(errorOf({})).toMatch(/encryption: give keys \(\{ file \} or \{ env \}\) or kms/);
    expect(errorOf({ keys: { file: 'a', env: 'B' } })).toMatch(/encryption.keys: give exactly one of file/);
    expect(errorOf({ keys: { env: 'lower' } })).toMatch(/encryption.keys.env: an environment variable name/);
    expect(errorOf({ kms: {} })).toMatch(/encryption.kms.keyId: is required/);
    expect(errorOf({ keys: { env: 'K' }, codecServer: { tokens: { env: 'T' }, uiOrigins: ['http://ui:8233/path'] } })).toMatch(/encryption.codecServer.uiOrigins.0: an origin/);
    expect(errorOf({ keys: { env: 'K' }, cipher: 'rot13' })).toMatch(/encryption: Unrecognized key: "cipher"; remove it/);
  });
});

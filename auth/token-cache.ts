/**
 * The token `kinetic login` obtained, cached for `kinetic approve|reject|resolve|decide`:
 * `~/.kinetic/token.json` (or KINETIC_TOKEN_CACHE), readable by its owner only (0600, directory 0700).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface CachedToken {
  issuer: string;
  clientId: string;
  grant: 'device_code' | 'client_credentials';
  /** Which token is sent: the access token when it is a JWT, otherwise the ID token. */
  kind: 'access' | 'id';
  token: string;
  /** Epoch seconds (the JWT's exp, or now + expires_in). */
  expiresAt: number;
  obtainedAt: string;
}

export function tokenCachePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.KINETIC_TOKEN_CACHE ?? join(homedir(), '.kinetic', 'token.json');
}

export function writeCachedToken(t: CachedToken, file = tokenCachePath()): string {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(t, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600); // the mode option is filtered by umask; the token is for the owner only
  renameSync(tmp, file);
  return file;
}

/** The cached token, or why there is none usable (missing, unreadable, expired). */
export function readCachedToken(file = tokenCachePath(), nowSeconds = Date.now() / 1000): { token: CachedToken } | { problem: string } {
  if (!existsSync(file)) return { problem: `no cached token (${file}); run \`kinetic login\`, or pass --token-file` };
  let t: CachedToken;
  try {
    t = JSON.parse(readFileSync(file, 'utf8')) as CachedToken;
  } catch (e) {
    return { problem: `the cached token ${file} is unreadable (${(e as Error).message}); run \`kinetic login\` again` };
  }
  if (typeof t.token !== 'string' || typeof t.expiresAt !== 'number') return { problem: `the cached token ${file} is malformed; run \`kinetic login\` again` };
  if (t.expiresAt <= nowSeconds) return { problem: `the cached token expired at ${new Date(t.expiresAt * 1000).toISOString()}; run \`kinetic login\` again` };
  return { token: t };
}

/** The `exp` of a JWT, read without verifying (only to know when the cache goes stale). */
export function jwtExpiry(token: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp : undefined;
  } catch {
    return undefined;
  }
}

import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CodecServerConfig } from '../config/schema-encryption';
import { KeyConfigError } from './key-source';

/** Codec-server bearer tokens: one per line or comma-separated, from a file (mode 600) or an environment variable. */
export function readTokens(source: CodecServerConfig['tokens'], baseDir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  let text: string;
  let where: string;
  if (source.file) {
    const file = resolve(baseDir, source.file);
    where = `encryption.codecServer.tokens.file ${file}`;
    let mode: number;
    try {
      mode = statSync(file).mode;
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new KeyConfigError(`${where}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); write one token per line and chmod 600`);
    }
    if ((mode & 0o077) !== 0) throw new KeyConfigError(`${where}: readable by group or others (mode ${(mode & 0o777).toString(8)}); run chmod 600 ${file}`);
  } else {
    where = `encryption.codecServer.tokens.env ${source.env}`;
    text = env[source.env!] ?? '';
  }
  const tokens = text.split(/[\n,]/).map((t) => t.trim()).filter((t) => t && !t.startsWith('#'));
  if (tokens.length === 0) throw new KeyConfigError(`${where}: no tokens; give at least one (e.g. openssl rand -hex 24)`);
  const short = tokens.find((t) => t.length < 16 || /[^A-Za-z0-9._~+/=-]/.test(t));
  if (short !== undefined) throw new KeyConfigError(`${where}: every token needs at least 16 characters of letters, digits or ._~+/=- (e.g. openssl rand -hex 24)`);
  return tokens;
}

/**
 * The endpoint the Temporal Web UI is given: the codec server with the first token in the path
 * (the UI sends no Authorization header of its own; see codec-server.ts).
 */
export function uiCodecEndpoint(server: CodecServerConfig, tokens: string[]): string {
  const host = server.host === '0.0.0.0' || server.host === '::' ? '127.0.0.1' : server.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${server.port}/ui/${encodeURIComponent(tokens[0])}`;
}

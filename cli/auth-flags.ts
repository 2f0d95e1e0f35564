/**
 * How the CLI says who the caller is (issue 14): with auth in oidc mode the token from
 * `--token-file` or `kinetic login`'s cache; with auth: { mode: unverified } (the embedded demo)
 * the typed `--as` identity. The worker decides; these checks only fail early with a clearer message.
 */
import { readFileSync } from 'node:fs';
import type { Answerer } from '../client';
import { loadConfig, type LoadedConfig } from '../config/load';
import { readCachedToken } from '../auth/token-cache';
import { UserError } from './command';

export const AUTH_FLAGS = { as: { type: 'string' }, 'token-file': { type: 'string' } } as const;

/** kinetic.yaml when there is one (approve/status work without it); an explicit --config must load. */
export function optionalConfig(configPath?: string): LoadedConfig | undefined {
  try {
    return loadConfig(configPath);
  } catch (e) {
    if (configPath) throw e;
    return undefined;
  }
}

/** The token of --token-file, else the cached one; `required` turns "none" into an error. */
export function callerToken(command: string, tokenFile: string | undefined, required: boolean): string | undefined {
  if (tokenFile) {
    let text: string;
    try {
      text = readFileSync(tokenFile, 'utf8').trim();
    } catch (e) {
      throw new UserError(`kinetic ${command}: --token-file ${tokenFile}: ${(e as Error).message}`);
    }
    if (!text) throw new UserError(`kinetic ${command}: --token-file ${tokenFile} is empty; it should hold the JWT from your identity provider`);
    return text;
  }
  const cached = readCachedToken();
  if ('token' in cached) return cached.token.token;
  if (required) throw new UserError(`kinetic ${command}: ${cached.problem}`);
  return undefined;
}

/** Who answers an approve / reject / resolve. */
export function answererFrom(command: string, values: { as?: unknown; 'token-file'?: unknown }, cfg: LoadedConfig | undefined): Answerer {
  const as = typeof values.as === 'string' && values.as !== '' ? values.as : undefined;
  const tokenFile = typeof values['token-file'] === 'string' ? values['token-file'] : undefined;
  const mode = cfg?.auth?.mode;
  if (mode === 'unverified') {
    if (!as) throw new UserError(`kinetic ${command}: --as IDENTITY is required (auth is in unverified mode: the embedded demo); see \`kinetic ${command} --help\``);
    return as;
  }
  if (mode === 'oidc' && as) {
    throw new UserError(
      `kinetic ${command}: --as is only accepted with auth: { mode: unverified } (the embedded demo); with auth in oidc mode your token says who you are: run \`kinetic login\`, then \`kinetic ${command}\` without --as (or pass --token-file)`,
    );
  }
  // No auth block (or no kinetic.yaml here): send what was given; the worker refuses and records it.
  const token = callerToken(command, tokenFile, mode === 'oidc' || !as);
  return { ...(token ? { token } : {}), ...(as ? { identity: as } : {}) };
}

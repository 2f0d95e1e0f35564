import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ZodError } from 'zod';
import { configSchema, KineticConfig, ServiceConfig } from './schema';

/** A config that cannot be used; the message lists every bad field with its path and what is allowed. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig extends KineticConfig {
  /** Absolute path of the file read. */
  file: string;
  /** Absolute state directory. */
  stateRoot: string;
}

export const DEFAULT_CONFIG_FILE = 'kinetic.yaml';

export function resolveConfigPath(explicit?: string): string {
  return resolve(explicit ?? process.env.KINETIC_CONFIG ?? DEFAULT_CONFIG_FILE);
}

function formatZodError(file: string, err: ZodError): string {
  const lines = err.issues.map((issue) => {
    const path = issue.path.length ? issue.path.join('.') : '(top level)';
    let message = issue.message.replace(/^Invalid input: expected (\w+), received undefined$/, 'is required (a $1)');
    if (issue.code === 'unrecognized_keys') message += '; remove it or fix its spelling';
    return `  - ${path}: ${message}`;
  });
  return `${file}: invalid configuration\n${lines.join('\n')}\nSee README.md "Configuration" for every field.`;
}

export function parseConfig(text: string, file: string): LoadedConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new ConfigError(`${file}: not valid YAML: ${(e as Error).message}`);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(formatZodError(file, parsed.error));
  const cfg = parsed.data;
  const base = dirname(file);
  for (const svc of Object.values(cfg.services)) {
    for (const m of [svc.metrics, ...Object.values(svc.dimensionMetrics ?? {}), ...Object.values(svc.regionMetrics ?? {})]) {
      if (m.source === 'csv') m.path = resolve(base, m.path);
    }
    if (svc.fingerprints?.summariesDir) svc.fingerprints.summariesDir = resolve(base, svc.fingerprints.summariesDir);
    const p = svc.provisioner;
    if ((p.type === 'pulumi-local' || p.type === 'pulumi-aws') && p.passphraseFile) p.passphraseFile = resolve(base, p.passphraseFile);
  }
  return { ...cfg, file, stateRoot: resolve(base, cfg.stateDir) };
}

/**
 * Parsed configs by file, reused while the file is unchanged (every activity reads the config).
 * The cached config is frozen and shared, not copied per call: a caller that wants to change a
 * field builds its own object (an assignment throws, so a shared config can never drift).
 */
const cache = new Map<string, { key: string; config: LoadedConfig }>();

export function loadConfig(path?: string): LoadedConfig {
  const file = resolveConfigPath(path);
  let key = '';
  try {
    const st = statSync(file);
    key = `${st.mtimeMs}:${st.size}:${st.ino}`;
    const hit = cache.get(file);
    if (hit && hit.key === key) return hit.config;
  } catch {
    /* reported by the read below */
  }
  const config = deepFreeze(readAndParse(file));
  if (key) cache.set(file, { key, config });
  return config;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function readAndParse(file: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ConfigError(`${file}: no such file; copy kinetic.yaml from the repository or pass --config FILE`);
    }
    throw new ConfigError(`${file}: cannot read: ${(e as Error).message}`);
  }
  return parseConfig(text, file);
}

/**
 * The state directory even when the config is invalid: the audit ledger must still record the
 * decision that failed because of the bad config.
 */
export function resolveStateRoot(path?: string): string {
  const file = resolveConfigPath(path);
  try {
    return loadConfig(file).stateRoot;
  } catch {
    let stateDir = '.kinetic';
    try {
      const raw = parseYaml(readFileSync(file, 'utf8')) as { stateDir?: unknown } | null;
      if (raw && typeof raw.stateDir === 'string' && raw.stateDir) stateDir = raw.stateDir;
    } catch {
      /* unreadable: use the default */
    }
    return resolve(dirname(file), stateDir);
  }
}

export class UnknownServiceError extends Error {
  constructor(service: string, known: string[]) {
    super(`unknown service "${service}"; kinetic.yaml defines: ${known.join(', ') || '(none)'}`);
    this.name = 'UnknownServiceError';
  }
}

export function getService(cfg: KineticConfig, service: string): ServiceConfig {
  const svc = cfg.services[service];
  if (!svc) throw new UnknownServiceError(service, Object.keys(cfg.services));
  return svc;
}

import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { loadConfig, resolveConfigPath, resolveStateRoot } from '../../config/load';
import type { StateConfig } from '../../config/schema';
import { postgresHandle } from '../postgres';
import type { AuditLog } from './contract';
import { FileAuditLog } from './file-audit-log';
import { PostgresAuditLog } from './postgres-audit-log';

/** The audit log `state.audit` names. */
export function createAuditLog(state: StateConfig | undefined, stateRoot: string, env: NodeJS.ProcessEnv = process.env): AuditLog {
  if (state?.audit === 'postgres') return new PostgresAuditLog(postgresHandle(state.postgres, env));
  return new FileAuditLog(stateRoot);
}

/**
 * The audit log of a kinetic.yaml, even when the rest of the file is invalid: the decision that
 * failed because of a bad edit must still be recorded where the others are.
 */
export function auditLogFor(configPath?: string, env: NodeJS.ProcessEnv = process.env): AuditLog {
  try {
    const cfg = loadConfig(configPath);
    return createAuditLog(cfg.state, cfg.stateRoot, env);
  } catch (e) {
    if ((e as Error).name !== 'ConfigError') throw e;
    return createAuditLog(rawState(configPath), resolveStateRoot(configPath), env);
  }
}

/** `state:` read leniently from the YAML (defaults for anything missing or malformed). */
function rawState(configPath?: string): StateConfig {
  const out: StateConfig = { audit: 'file', store: 'file', postgres: { urlEnv: 'KINETIC_POSTGRES_URL', schema: 'kinetic' } };
  try {
    const raw = parseYaml(readFileSync(resolveConfigPath(configPath), 'utf8')) as { state?: Record<string, unknown> } | null;
    const s = raw?.state;
    if (s?.audit === 'postgres') out.audit = 'postgres';
    const pg = s?.postgres as Record<string, unknown> | undefined;
    if (typeof pg?.urlEnv === 'string' && /^[A-Z_][A-Z0-9_]*$/.test(pg.urlEnv)) out.postgres.urlEnv = pg.urlEnv;
    if (typeof pg?.schema === 'string' && /^[a-z_][a-z0-9_]*$/.test(pg.schema)) out.postgres.schema = pg.schema;
  } catch {
    /* unreadable: the defaults */
  }
  return out;
}

export { FileAuditLog, PostgresAuditLog };
export type { AppendResult, AuditLog } from './contract';
export type { ChainBreak, VerifyReport } from './chain';

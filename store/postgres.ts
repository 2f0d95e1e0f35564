import { createHash } from 'node:crypto';
import { Pool, type PoolClient } from 'pg';
import type { StateConfig } from '../config/schema';

/**
 * The Postgres connection every multi-host store shares (`state.audit: postgres`,
 * `state.store: postgres`): one pool per URL and process, tables created on first use under an
 * advisory lock (so workers starting together on many hosts do not race on DDL), and errors that
 * name the kinetic.yaml field to fix. The URL comes from the environment variable
 * `state.postgres.urlEnv`, never from kinetic.yaml (it holds a password).
 */

export type PostgresSettings = StateConfig['postgres'];

/** A Postgres failure that names the kinetic.yaml field to look at. */
export class PostgresConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'PostgresConfigError';
  }
}

export interface PostgresHandle {
  pool: Pool;
  schema: string;
  /** The URL without its password, for messages. */
  where: string;
}

const pools = new Map<string, Pool>();
const ready = new Map<string, Promise<void>>();

/** The connection URL from the environment variable `state.postgres.urlEnv`. */
export function postgresUrl(settings: PostgresSettings, env: NodeJS.ProcessEnv = process.env): string {
  const url = env[settings.urlEnv];
  if (!url) {
    throw new PostgresConfigError(
      'state.postgres.urlEnv',
      `environment variable ${settings.urlEnv} is not set; set it to the database URL (postgres://USER:PASSWORD@HOST:5432/DB) on every worker and CLI host, or use state.audit/state.store: file`,
    );
  }
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new PostgresConfigError('state.postgres.urlEnv', `${settings.urlEnv} must be a postgres:// URL, got "${redact(url)}"`);
  }
  return url;
}

export function postgresHandle(settings: PostgresSettings, env: NodeJS.ProcessEnv = process.env): PostgresHandle {
  const url = postgresUrl(settings, env);
  let pool = pools.get(url);
  if (!pool) {
    // Few connections per process: stores run short statements; exit-on-idle lets the CLI finish.
    pool = new Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 10_000, allowExitOnIdle: true });
    // An idle client losing its server (restart, failover) must not crash the worker: the next query reconnects.
    pool.on('error', () => undefined);
    pools.set(url, pool);
  }
  return { pool, schema: settings.schema, where: redact(url) };
}

/** `"schema"."table"` (both validated as identifiers). */
export function table(h: PostgresHandle, name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad table name ${name}`);
  return `"${h.schema}"."${name}"`;
}

/** A 64-bit advisory-lock key for a name (stable across processes and hosts). */
export function lockKey(name: string): string {
  return createHash('sha256').update(name).digest().readBigInt64BE(0).toString();
}

/**
 * Creates the schema and a store's tables once per process (idempotent DDL, serialised across
 * hosts by an advisory lock). A failed attempt is tried again by the next call.
 */
export function ensureTables(h: PostgresHandle, store: string, ddl: string[]): Promise<void> {
  const id = `${h.where}|${h.schema}|${store}`;
  let p = ready.get(id);
  if (!p) {
    p = inTransaction(h, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [lockKey(`kinetic-ddl:${h.schema}`)]);
      await c.query(`CREATE SCHEMA IF NOT EXISTS "${h.schema}"`);
      for (const statement of ddl) await c.query(statement);
    });
    p.catch(() => ready.delete(id));
    ready.set(id, p);
  }
  return p;
}

/** Runs `fn` in one transaction on one connection; rolls back on any error. */
export async function inTransaction<T>(h: PostgresHandle, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const c = await connect(h);
  // A checked-out client whose server goes away emits 'error': without a listener that would crash the worker.
  const ignore = () => undefined;
  c.on('error', ignore);
  let failed: Error | undefined;
  try {
    await c.query('BEGIN');
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (e) {
    failed = e as Error;
    await c.query('ROLLBACK').catch(() => undefined);
    throw explain(h, e);
  } finally {
    c.removeListener('error', ignore);
    // After a failure the connection may be broken: drop it rather than hand it to the next caller.
    c.release(failed);
  }
}

/** One query with the store's error messages. */
export async function query<R extends object = Record<string, unknown>>(h: PostgresHandle, text: string, values: unknown[] = []): Promise<R[]> {
  try {
    return (await h.pool.query(text, values)).rows as R[];
  } catch (e) {
    throw explain(h, e);
  }
}

async function connect(h: PostgresHandle): Promise<PoolClient> {
  try {
    return await h.pool.connect();
  } catch (e) {
    throw explain(h, e);
  }
}

/** Connection problems name the field; other errors keep Postgres's message and say where. */
function explain(h: PostgresHandle, e: unknown): Error {
  if (e instanceof PostgresConfigError) return e;
  // Node reports a failed connect to a name with several addresses as an AggregateError.
  const err = ((e as { errors?: unknown[] })?.errors?.[0] ?? e) as { code?: string; message?: string };
  const message = (e as Error)?.message || err?.message || String(e);
  // Connection refused or lost, or the server shutting down / starting up (SQLSTATE classes 08 and 57P0x).
  const code = err?.code ?? '';
  if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'EPIPE'].includes(code) || /^08|^57P0[123]$/.test(code) || /timeout exceeded when trying to connect|Connection terminated/i.test(message)) {
    return new PostgresConfigError('state.postgres.urlEnv', `cannot reach Postgres at ${h.where} (${err.code ?? message}); is it running?`);
  }
  if (err?.code === '28P01' || err?.code === '28000' || err?.code === '3D000') {
    return new PostgresConfigError('state.postgres.urlEnv', `Postgres at ${h.where} refused the connection: ${message}`);
  }
  const out = new Error(`Postgres ${h.where}: ${message}`);
  (out as Error & { code?: string }).code = err?.code;
  return out;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/** Ends every pool of this process (tests; a CLI that wants to exit at once). */
export async function closePostgresPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  ready.clear();
  await Promise.all(all.map((p) => p.end().catch(() => undefined)));
}

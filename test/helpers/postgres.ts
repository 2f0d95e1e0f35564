import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort as freePort } from '../../net/free-port';

/**
 * A real PostgreSQL for tests: Debian's `postgresql` package (`initdb` + `pg_ctl`), a fresh
 * cluster in a temporary directory on a free loopback port, trust authentication for the
 * `kinetic` superuser. One per test file: `startPostgres()` in beforeAll, `close()` in afterAll
 * (also run at process exit, so a crashed test leaves no server behind). `stop()` / `start()`
 * take the same cluster down and up again (sink-down tests).
 *
 * initdb refuses to run as root, and tests run as root in CI: then the cluster belongs to the
 * `postgres` system user (created by the package) and its tools run through `runuser`.
 */

export interface PostgresTestServer {
  /** postgres://kinetic@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  dir: string;
  /** Stops the server, keeping its data (`pg_ctl stop -m fast`). */
  stop(): void;
  /** Starts it again on the same port. */
  start(): void;
  /** Stops it and removes its directory. Idempotent. */
  close(): Promise<void>;
}

/** The directory holding initdb/pg_ctl: KINETIC_PG_BIN, `pg_config --bindir`, the newest /usr/lib/postgresql/N/bin, or PATH. */
export function postgresBinDir(): string {
  const has = (dir: string) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'));
  const env = process.env.KINETIC_PG_BIN;
  if (env) {
    if (!has(env)) throw new Error(`KINETIC_PG_BIN=${env} has no initdb and pg_ctl`);
    return env;
  }
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    if (has(dir)) return dir;
  } catch {
    /* no pg_config (libpq-dev): look where Debian installs the server */
  }
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+(\.\d+)?$/.test(v) && has(join(root, v, 'bin')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length) return join(root, versions[0], 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && has(dir)) return dir;
  throw new Error('PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian\'s "postgresql" package (apt-get install postgresql) or set KINETIC_PG_BIN');
}


/** As root, the `postgres` system user runs the tools (initdb refuses root). */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    return { uid, gid };
  } catch {
    throw new Error('running as root, and there is no "postgres" user to run initdb as (install Debian\'s "postgresql" package, which creates it)');
  }
}

export async function startPostgres(): Promise<PostgresTestServer> {
  const bin = postgresBinDir();
  const owner = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'kinetic-pg-'));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const run = (tool: string, args: string[]) => {
    const argv = owner ? ['runuser', '-u', 'postgres', '--', join(bin, tool), ...args] : [join(bin, tool), ...args];
    try {
      return execFileSync(argv[0], argv.slice(1), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } }).toString();
    } catch (e) {
      const err = e as { stderr?: Buffer; stdout?: Buffer; message: string };
      const serverLog = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
      throw new Error(`${tool} failed: ${err.stderr?.toString() || err.stdout?.toString() || err.message}${serverLog ? `\nserver log:\n${serverLog}` : ''}`);
    }
  };
  run('initdb', ['-D', data, '-U', 'kinetic', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  let port = 0;
  let running = false;
  const start = () => {
    // Sockets in the cluster's own directory (the default /var/run/postgresql may not exist); fsync off: test data only.
    run('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`, 'start']);
    running = true;
  };
  const stop = () => {
    if (!running) return;
    run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
    running = false;
  };
  // A port free a moment ago can be taken by the time the server binds: try a few.
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      start();
      break;
    } catch (e) {
      if (attempt >= 4) throw e;
    }
  }
  let closed = false;
  const cleanup = () => {
    if (closed) return;
    closed = true;
    try {
      if (running) run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      /* already gone */
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanup);
  return {
    url: `postgres://kinetic@127.0.0.1:${port}/postgres`,
    port,
    dir,
    stop,
    start,
    async close() {
      process.removeListener('exit', cleanup);
      try {
        stop();
      } finally {
        cleanup();
      }
    },
  };
}

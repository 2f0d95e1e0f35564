import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { Connection } from '@temporalio/client';
import { KINETIC_HOME, toolPath } from '../config/tools';
import { EMBEDDED_ADDRESS_FILE } from '../client/connection';
import { SEARCH_ATTRIBUTE_FLAGS } from '../workflows/definitions';

/**
 * The embedded Temporal: the real `temporal server start-dev` with a persistent SQLite file under
 * .kinetic/temporal and Kinetic's search attributes registered, so decisions survive restarts.
 */
export interface EmbeddedServerOptions {
  ip?: string;
  port?: number;
  uiPort?: number;
  dbFile?: string;
  /** Where the server's own log goes. */
  logFile?: string;
  /** The Web UI decodes payloads through this remote codec (kinetic codec-server). */
  uiCodecEndpoint?: string;
  /** Where the address is written for the CLI to find (tests: a sandbox file, not the repo's). */
  addressFile?: string;
}

export interface EmbeddedServer {
  address: string;
  uiUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export const EMBEDDED_DIR = join(KINETIC_HOME, 'temporal');

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host, port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/** True when a Temporal frontend answers at the address. */
export async function temporalReachable(address: string): Promise<boolean> {
  const [host, port] = address.split(':');
  if (!(await portOpen(host, Number(port)))) return false;
  try {
    const c = await Connection.connect({ address, connectTimeout: '2s' });
    await c.close();
    return true;
  } catch {
    return false;
  }
}

export async function startEmbeddedServer(opts: EmbeddedServerOptions = {}): Promise<EmbeddedServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const port = opts.port ?? 7233;
  const uiPort = opts.uiPort ?? port + 1000;
  const address = `${ip}:${port}`;
  if (await portOpen(ip, port)) {
    throw new Error(`port ${port} on ${ip} is already in use (another dev server?); stop it or pass --port`);
  }
  const dbFile = opts.dbFile ?? join(EMBEDDED_DIR, 'dev.sqlite');
  mkdirSync(dirname(dbFile), { recursive: true });
  const logFile = opts.logFile ?? join(EMBEDDED_DIR, 'server.log');
  const out = openSync(logFile, 'a');
  const args = [
    'server', 'start-dev', '--ip', ip, '--port', String(port), '--ui-port', String(uiPort),
    '--db-filename', dbFile, '--log-level', 'warn', ...SEARCH_ATTRIBUTE_FLAGS,
    ...(opts.uiCodecEndpoint ? ['--ui-codec-endpoint', opts.uiCodecEndpoint] : []),
  ];
  // Own process group: a Ctrl-C in the terminal must not kill the server before running
  // decisions are wound down; stop() ends it.
  const child = spawn(toolPath('temporal'), args, { stdio: ['ignore', out, out], detached: true });
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + 60_000;
  while (!(await temporalReachable(address))) {
    if (exited) throw new Error(`the Temporal dev server exited during start-up; see ${logFile}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the Temporal dev server did not answer on ${address} within 60 s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const addressFile = opts.addressFile ?? EMBEDDED_ADDRESS_FILE;
  mkdirSync(dirname(addressFile), { recursive: true });
  writeFileSync(addressFile, address);
  return {
    address,
    uiUrl: `http://${ip}:${uiPort}`,
    process: child,
    async stop() {
      rmSync(addressFile, { force: true });
      if (exited) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(timer);
    },
  };
}

/**
 * Provider plugins left behind by a Pulumi CLI that was killed mid-operation (a worker SIGKILLed
 * during `up`): the engine is gone but its plugins (`pulumi-resource-*`, the Node dynamic
 * provider) keep running. They are recognised by the backend in their environment and by the
 * engine address on their command line, which no longer accepts connections.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';

export interface PluginProcess {
  pid: number;
  /** host:port of the engine the plugin was started by. */
  engine: string;
}

/** The backend URL of a directory or URL argument (`/state` → `file:///state`). */
function backendUrl(backend: string): string {
  return backend.includes('://') ? backend : `file://${backend}`;
}

/** Plugin processes of this DIY backend (`PULUMI_BACKEND_URL=<url>`; a bare directory means `file://<dir>`). */
export function pluginsOfBackend(backend: string): PluginProcess[] {
  const marker = `PULUMI_BACKEND_URL=${backendUrl(backend)}\0`;
  const out: PluginProcess[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (!fs.readFileSync(`/proc/${d}/environ`, 'latin1').includes(marker)) continue;
      const argv = fs.readFileSync(`/proc/${d}/cmdline`, 'latin1').split('\0').filter(Boolean);
      if (!argv.some((a) => a.includes('pulumi-resource-') || a.includes('dynamic-provider'))) continue;
      const engine = argv.find((a) => /^[\w.-]+:\d+$/.test(a));
      if (engine) out.push({ pid: Number(d), engine });
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return out;
}

function accepts(address: string, timeoutMs = 500): Promise<boolean> {
  const i = address.lastIndexOf(':');
  return new Promise((resolve) => {
    const socket = net.connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Kills this backend's plugins whose engine no longer listens; returns their pids. */
export async function reapOrphanPlugins(backend: string): Promise<number[]> {
  const plugins = pluginsOfBackend(backend);
  const engines = new Map<string, boolean>();
  for (const e of new Set(plugins.map((p) => p.engine))) engines.set(e, await accepts(e));
  const reaped: number[] = [];
  for (const p of plugins) {
    if (engines.get(p.engine)) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
      reaped.push(p.pid);
    } catch {
      // already gone
    }
  }
  return reaped;
}

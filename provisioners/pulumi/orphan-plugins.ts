/**
 * Provider plugins left behind by a Pulumi CLI that was killed mid-operation (a worker SIGKILLed
 * during `up`): the engine is gone but its plugins (`pulumi-resource-*`, the Node dynamic
 * provider) keep running. They are recognised by the backend in their environment and by the
 * engine address on their command line. A plugin's engine is alive when the process that started
 * it (past the plugin's own wrappers, e.g. the `pulumi-resource-pulumi-nodejs` shell script) still
 * listens on that address. Whether *something* accepts connections there is not enough: on a busy
 * host another process may listen on a dead engine's port again, and its plugins would live forever.
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
      const argv = argvOf(Number(d));
      if (!argv || !isPlugin(argv)) continue;
      const engine = argv.find((a) => /^[\w.-]+:\d+$/.test(a));
      if (engine) out.push({ pid: Number(d), engine });
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return out;
}

function isPlugin(argv: string[]): boolean {
  return argv.some((a) => a.includes('pulumi-resource-') || a.includes('dynamic-provider'));
}

function argvOf(pid: number): string[] | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Fields after the command name (which may hold spaces and parentheses): state, ppid, …
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return ppid > 0 ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/** The process that started the plugin: its first ancestor that is not itself part of a plugin. */
function starterOf(pid: number): number | undefined {
  let p = parentOf(pid);
  for (let hops = 0; p !== undefined && hops < 8; hops++) {
    const argv = argvOf(p);
    if (!argv) return undefined;
    if (!isPlugin(argv)) return p;
    p = parentOf(p);
  }
  return undefined;
}

/**
 * Whether `pid` holds a listening TCP socket on `port` (its socket inodes against the LISTEN rows
 * of its network namespace). Undefined when /proc does not tell (not readable here).
 */
export function listensOn(pid: number, port: number): boolean | undefined {
  const inodes = new Set<string>();
  try {
    for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]);
      } catch {
        // closed meanwhile
      }
    }
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? false : undefined;
  }
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['tcp', 'tcp6']) {
    let rows: string[];
    try {
      rows = fs.readFileSync(`/proc/${pid}/net/${table}`, 'latin1').split('\n').slice(1);
    } catch {
      continue;
    }
    for (const row of rows) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const f = row.trim().split(/\s+/);
      if (f.length > 9 && f[3] === '0A' && f[1].endsWith(`:${hexPort}`) && inodes.has(f[9])) return true;
    }
  }
  return false;
}

/** Whether the engine that started this plugin still runs it: its starter listens on the engine address. */
async function engineAlive(p: PluginProcess): Promise<boolean> {
  const starter = starterOf(p.pid);
  const port = Number(p.engine.slice(p.engine.lastIndexOf(':') + 1));
  const known = starter === undefined ? false : listensOn(starter, port);
  // Without a readable /proc of the starter, fall back to asking the address.
  return known ?? (await accepts(p.engine));
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

/** Kills this backend's plugins whose engine is gone; returns their pids. */
export async function reapOrphanPlugins(backend: string): Promise<number[]> {
  const plugins = pluginsOfBackend(backend);
  const reaped: number[] = [];
  for (const p of plugins) {
    if (await engineAlive(p)) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
      reaped.push(p.pid);
    } catch {
      // already gone
    }
  }
  return reaped;
}

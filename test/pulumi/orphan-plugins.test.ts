import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer, type Server } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pluginsOfBackend, reapOrphanPlugins } from '../../provisioners/pulumi/orphan-plugins';

/**
 * Stand-ins for an engine and its provider plugins: real processes with their shapes. The "engine"
 * listens on a port and starts a plugin the way the Pulumi CLI starts the Node dynamic provider: a
 * `pulumi-resource-pulumi-nodejs` shell wrapper whose child is the provider, the engine address
 * on both command lines, the backend in the environment.
 */
const children: ChildProcess[] = [];
const servers: Server[] = [];
const pids: number[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const s of servers.splice(0)) s.close();
  for (const p of pids.splice(0)) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

const ENGINE = `
const net = require('node:net');
const { spawn } = require('node:child_process');
const s = net.createServer().listen(0, '127.0.0.1', () => {
  const engine = '127.0.0.1:' + s.address().port;
  const provider = process.execPath + " -e 'setInterval(() => {}, 1e9)' /x/dynamic-provider " + engine;
  const c = spawn('sh', ['-c', provider + '; true', '/x/pulumi-resource-pulumi-nodejs', engine], { env: process.env, stdio: 'ignore' });
  process.stdout.write(JSON.stringify({ engine, wrapper: c.pid }) + '\\n');
});
`;

interface FakeEngine {
  proc: ChildProcess;
  engine: string;
  port: number;
}

async function fakeEngine(backendDir: string): Promise<FakeEngine> {
  // The script comes through the environment: the engine's own command line names no plugin.
  const proc = spawn(process.execPath, ['-e', 'eval(process.env.FAKE_ENGINE)'], {
    env: { ...process.env, FAKE_ENGINE: ENGINE, PULUMI_BACKEND_URL: `file://${backendDir}` },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(proc);
  const { engine } = await new Promise<{ engine: string }>((resolve) => proc.stdout!.once('data', (d: Buffer) => resolve(JSON.parse(d.toString()))));
  // Wait until both plugin processes (wrapper and provider) run.
  for (let i = 0; i < 100 && pluginsOfBackend(backendDir).filter((p) => p.engine === engine).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
  const mine = pluginsOfBackend(backendDir).filter((p) => p.engine === engine);
  expect(mine).toHaveLength(2);
  pids.push(...mine.map((p) => p.pid));
  return { proc, engine, port: Number(engine.split(':')[1]) };
}

async function kill(e: FakeEngine): Promise<void> {
  const gone = new Promise((r) => e.proc.once('exit', r));
  e.proc.kill('SIGKILL');
  await gone;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
}

describe('orphan provider plugins', () => {
  it('kills only plugins of this backend whose engine is gone, wrappers included', async () => {
    const backend = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-plugins-'));
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-plugins-other-'));
    const live = await fakeEngine(backend);
    const dead = await fakeEngine(backend);
    const foreign = await fakeEngine(other);
    const orphans = pluginsOfBackend(backend).filter((p) => p.engine === dead.engine).map((p) => p.pid);
    await kill(dead);
    await kill(foreign);

    expect((await reapOrphanPlugins(backend)).sort()).toEqual(orphans.sort());
    await until(() => orphans.every((p) => !alive(p)));
    expect(orphans.filter(alive)).toEqual([]);
    expect(pluginsOfBackend(backend).map((p) => p.engine)).toEqual([live.engine, live.engine]);
    expect(pluginsOfBackend(other)).toHaveLength(2); // another backend's plugins are not ours to judge
  });

  it('kills the plugins of a dead engine whose port another process listens on again', async () => {
    const backend = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-plugins-'));
    const dead = await fakeEngine(backend);
    const orphans = pluginsOfBackend(backend).map((p) => p.pid);
    await kill(dead);
    // On a busy host the freed port is soon someone else's: connecting to it succeeds.
    const squatter = createServer();
    servers.push(squatter);
    await new Promise<void>((r) => squatter.listen(dead.port, '127.0.0.1', r));

    expect((await reapOrphanPlugins(backend)).sort()).toEqual(orphans.sort());
    await until(() => orphans.every((p) => !alive(p)));
    expect(pluginsOfBackend(backend)).toEqual([]);
  });
});

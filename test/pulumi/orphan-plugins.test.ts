import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pluginsOfBackend, reapOrphanPlugins } from '../../provisioners/orphan-plugins';

/** Stand-ins for provider plugins: real processes with a plugin's argv shape and environment. */
const children: ChildProcess[] = [];
const servers: Server[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const s of servers.splice(0)) s.close();
});

function fakePlugin(backendDir: string, engine: string): ChildProcess {
  const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e9)', '/x/pulumi-resource-pulumi-nodejs', engine], {
    env: { ...process.env, PULUMI_BACKEND_URL: `file://${backendDir}` },
    stdio: 'ignore',
  });
  children.push(c);
  return c;
}

async function listening(): Promise<string> {
  const s = createServer();
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `127.0.0.1:${(s.address() as AddressInfo).port}`;
}

async function closedPort(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const address = `127.0.0.1:${(s.address() as AddressInfo).port}`;
  await new Promise((r) => s.close(r));
  return address;
}

const gone = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

describe('orphan provider plugins', () => {
  it('kills only plugins of this backend whose engine no longer listens', async () => {
    const backend = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-plugins-'));
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-plugins-other-'));
    const dead = await closedPort();
    const orphan = fakePlugin(backend, dead);
    const live = fakePlugin(backend, await listening());
    const foreign = fakePlugin(other, dead);
    await new Promise((r) => setTimeout(r, 300)); // let the processes exec

    expect(pluginsOfBackend(backend).map((p) => p.pid).sort()).toEqual([orphan.pid, live.pid].sort());
    expect(await reapOrphanPlugins(backend)).toEqual([orphan.pid]);
    await gone(orphan);
    expect(live.exitCode).toBeNull();
    expect(foreign.exitCode).toBeNull();
    expect(pluginsOfBackend(backend).map((p) => p.pid)).toEqual([live.pid]);
  });
});

/** DIY stack-lock handling without the engine: lock files with live, dead and foreign holders. */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clearStaleLocks, listStackLocks, parseLockError, pidAlive } from '../../provisioners/pulumi-local/locks';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-locks-'));
const dir = path.join(root, '.pulumi', 'locks', 'organization', 'proj', 'svc');
fs.mkdirSync(dir, { recursive: true });
const writeLock = (name: string, pid: number, hostname = os.hostname()) =>
  fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ pid, username: 'u', hostname, timestamp: new Date().toISOString() }));

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('stack locks', () => {
  it('deletes only locks whose holder died on this host', async () => {
    const live = spawn('sleep', ['30'], { stdio: 'ignore' });
    const dead = spawn('sleep', ['30'], { stdio: 'ignore' });
    dead.kill('SIGKILL');
    await new Promise((r) => dead.once('exit', r));
    try {
      writeLock('live', live.pid as number);
      writeLock('dead', dead.pid as number);
      writeLock('foreign', 1, 'another-host');
      const locks = listStackLocks(root, 'proj', 'svc');
      expect(locks.map((l) => [path.basename(l.file), l.alive, l.local]).sort()).toEqual([
        ['dead.json', false, true],
        ['foreign.json', true, false], // cannot be checked from here: treated as live
        ['live.json', true, true],
      ]);
      const removed = clearStaleLocks(root, 'proj', 'svc');
      expect(removed.map((l) => path.basename(l.file))).toEqual(['dead.json']);
      expect(fs.readdirSync(dir).sort()).toEqual(['foreign.json', 'live.json']);
      expect(listStackLocks(root, 'other', 'svc')).toEqual([]);
    } finally {
      live.kill('SIGKILL');
    }
    expect(pidAlive(process.pid)).toBe(true);
    expect(pidAlive(0)).toBe(false);
  });

  it('parses the holders out of a ConcurrentUpdateError message', () => {
    const msg =
      'error: the stack is currently locked by 2 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n' +
      '  file:///s/.pulumi/locks/organization/p/s/a.json: created by root@vm (pid 4242) at 2026-11-22T19:00:00Z\n' +
      '  file:///s/.pulumi/locks/organization/p/s/b.json: created by ci bot@host-2 (pid 7) at 2026-11-22T19:00:01Z\n';
    expect(parseLockError(msg)).toEqual([
      { url: 'file:///s/.pulumi/locks/organization/p/s/a.json', username: 'root', hostname: 'vm', pid: 4242 },
      { url: 'file:///s/.pulumi/locks/organization/p/s/b.json', username: 'ci bot', hostname: 'host-2', pid: 7 },
    ]);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { get, request } from 'node:http';
import { join } from 'node:path';
import { REPO_ROOT } from '../config/tools';
import { freeLoopbackPort } from '../net/free-port';

/** Real sample-service processes with a chosen behaviour (examples/sample-service), started and stopped by pid: the fingerprint test and bench:fingerprints use them. */
export interface Member {
  id: string;
  behaviour: string;
  port: number;
  pid: number;
  child: ChildProcess;
}

export async function startMember(id: string, service: string, behaviour: string, env: Record<string, string> = {}): Promise<Member> {
  const port = await freeLoopbackPort();
  const child = spawn(process.execPath, [join(REPO_ROOT, 'examples', 'sample-service', 'server.js'), '--port', String(port), '--behaviour', behaviour], {
    env: { ...process.env, KINETIC_SERVICE: service, KINETIC_MEMBER: id, ...env },
    stdio: 'ignore',
  });
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (await status(`http://127.0.0.1:${port}/healthz`).catch(() => 0) === 200) break;
    if (Date.now() > deadline) throw new Error(`member ${id} (${behaviour}) did not answer on port ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { id, behaviour, port, pid: child.pid!, child };
}

export function stopMember(m: Member): Promise<void> {
  if (m.child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    m.child.once('exit', () => resolve());
    m.child.kill('SIGKILL');
  });
}

export function setBehaviour(m: Member, mode: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: m.port, path: `/behaviour?mode=${mode}`, method: 'POST' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

function status(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

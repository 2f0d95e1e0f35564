/**
 * A worker process SIGKILLed in the middle of `up` (the inline program's host dies, its CLI is
 * left behind with the stack lock and a pending operation): the retried decision completes
 * exactly once, the stack is not left locked, and no orphan or duplicate member survives.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPulumiLocalProvisioner, type PulumiLocalProvisioner } from '../../provisioners/pulumi-local';
import { REPO_ROOT } from '../../provisioners/pulumi/env';
import { pluginsOfBackend } from '../../provisioners/pulumi/orphan-plugins';
import { destroyAndSweep, membersUnder, plan, tempRoot, waitFor } from './helpers';
import { PORT_BLOCKS, poolPort } from '../helpers/ports';

const SLOW = 600_000;
const SERVICE = 'crash-it';
const BASE_PORT = poolPort(PORT_BLOCKS.workerCrash);

describe('worker SIGKILL during up', () => {
  let root: string;
  let p: PulumiLocalProvisioner;
  const logs: string[] = [];

  beforeAll(() => {
    root = tempRoot('crash');
    p = createPulumiLocalProvisioner({
      rootDir: path.join(root, 'pulumi'),
      pulumiHome: path.join(root, 'home'),
      services: { [SERVICE]: { basePort: BASE_PORT, loadBalancer: false, drainMs: 300 } },
      lockPollMs: 100,
      log: (l) => void logs.push(l),
    });
  });

  afterAll(async () => {
    const { killed, left } = await destroyAndSweep(root, async () => p?.destroy(SERVICE));
    expect(left).toEqual([]);
    expect(killed).toBe(0);
  });

  it('the retried decision completes once, unlocked, without orphans', async () => {
    await p.apply(plan(SERVICE, { default: 1 }, 'd-1'));
    const [survivor] = membersUnder(root);

    // The "worker": a separate node process running the same provisioner, killed mid-update.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(__dirname, 'fixtures', 'apply-child.ts'), p.paths.rootDir, path.join(root, 'home'), SERVICE, String(BASE_PORT), 'd-2', '4'],
      { cwd: REPO_ROOT, stdio: 'ignore' },
    );
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await waitFor(() => membersUnder(root).length > 1, 180_000, 'the worker to start new members', 5);
    expect((await p.locks(SERVICE)).length).toBe(1);
    child.kill('SIGKILL');
    expect(await exited).toBe(null);

    // The decision is retried by another worker (here: this process), same decision id.
    const res = await p.apply(plan(SERVICE, { default: 4 }, 'd-2'));
    expect(res.previous.tiers).toEqual({ default: 1 }); // journaled by the killed attempt
    expect(res.applied.tiers).toEqual({ default: 4 });
    expect(p.stats.staleLocksCleared + p.stats.lockWaits).toBeGreaterThanOrEqual(1);
    const running = membersUnder(root)
      .map((m) => m.pid)
      .sort();
    expect(running).toHaveLength(4); // no duplicates from the killed attempt
    expect(running).toEqual((res.applied.details?.members as Array<{ pid: number }>).map((m) => m.pid).sort());
    expect(running).toContain(survivor.pid);
    expect(await p.locks(SERVICE)).toEqual([]);
    // The killed CLI's provider plugins were reaped; the retry's own plugins exit with its engine.
    // Their exit follows the engine's; on a loaded machine that can take tens of seconds.
    await waitFor(() => pluginsOfBackend(p.paths.backendDir).length === 0, 60_000, 'no provider plugins left', 5);

    // Exactly once: retrying again changes nothing.
    const again = await p.apply(plan(SERVICE, { default: 4 }, 'd-2'));
    expect(again.changed).toBe(false);
    expect(again.previous.tiers).toEqual({ default: 1 });
  }, SLOW);
});

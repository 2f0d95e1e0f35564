/**
 * The pulumi-local provisioner against the real engine: failed verification and rollback, a
 * stale lock left by a killed CLI, a live lock that makes a second update wait, the per-decision
 * journal, and cancellation through the AbortSignal.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPulumiLocalProvisioner, type PulumiLocalOptions, type PulumiLocalProvisioner } from '../../provisioners/pulumi-local';
import { pidAlive } from '../../provisioners/pulumi/locks';
import { descendants, killLeftovers, membersUnder, plan, processesUnder, tempRoot, waitFor } from './helpers';
import { PORT_BLOCKS, poolPort } from '../helpers/ports';

const FAILING = 'failing-it';
const LOCKED = 'lock-it';
const SAMPLE_SERVICE = path.join(__dirname, '..', '..', 'examples', 'sample-service', 'server.js');

// Every `up` costs seconds, more on a loaded 2-core machine: generous per-test budget.
const SLOW = 600_000;

describe('pulumi-local provisioner (real engine)', () => {
  let root: string;
  let opts: PulumiLocalOptions;
  let p: PulumiLocalProvisioner;
  const logs: string[] = [];

  // While this file exists, LOCKED's new members wait before they start listening, so an update
  // that starts them cannot finish: the crash test kills it at a point it chose, not at a race.
  let hold: string;

  beforeAll(() => {
    root = tempRoot('prov');
    hold = path.join(root, 'hold-members');
    opts = {
      rootDir: path.join(root, 'pulumi'),
      pulumiHome: path.join(root, 'home'),
      services: {
        [FAILING]: { basePort: poolPort(PORT_BLOCKS.provisioner, 0), env: { SAMPLE_FAIL_HEALTH: '1' }, drainMs: 300 },
        [LOCKED]: {
          basePort: poolPort(PORT_BLOCKS.provisioner, 1),
          drainMs: 300,
          loadBalancer: false,
          command: ['sh', '-c', 'while [ -e "$1" ]; do sleep 0.05; done; exec "$0" "$2"', process.execPath, hold, SAMPLE_SERVICE],
          // A held member must not time out while the test holds it.
          startTimeoutMs: 600_000,
        },
      },
      verifyTimeoutMs: 2_500,
      lockPollMs: 100,
      log: (l) => void logs.push(l),
    };
    p = createPulumiLocalProvisioner(opts);
  });

  afterAll(async () => {
    fs.rmSync(hold, { force: true });
    for (const s of [FAILING, LOCKED]) {
      try {
        await p?.destroy(s);
      } catch (err) {
        console.error(`destroy ${s} failed`, err);
      }
    }
    const killed = await killLeftovers(root);
    expect(processesUnder(root)).toEqual([]);
    fs.rmSync(root, { recursive: true, force: true });
    expect(killed).toBe(0); // destroy alone stopped everything
  });

  it('verification fails in the failing mode, and rollback restores the previous (empty) pool', async () => {
    const pl = plan(FAILING, { default: 2 });
    const pv = await p.preview(pl);
    expect(pv.changes).toBeGreaterThan(0);
    expect(processesUnder(path.join(p.paths.poolsRoot, FAILING))).toHaveLength(0);

    const res = await p.apply(pl);
    expect(res.previous.total).toBe(0);
    expect(membersUnder(root)).toHaveLength(2);
    const v = await p.verify(pl);
    expect(v.ok).toBe(false);
    expect(v.expected).toBe(2);
    expect(v.healthy).toBe(0);
    expect(v.reasons.join('\n')).toMatch(/503/);
    expect(v.reasons.join('\n')).toMatch(/balancer lists 2\/2 member\(s\), 0 healthy/);

    // An activity retry of the same decision returns the same `previous`.
    const retry = await p.apply(pl);
    expect(retry.changed).toBe(false);
    expect(retry.previous).toEqual(res.previous);

    const back = await p.rollback(res.previous);
    expect(back.total).toBe(0);
    expect(processesUnder(path.join(p.paths.poolsRoot, FAILING))).toHaveLength(0);
  }, SLOW);

  it('a CLI killed mid-update leaves a stale lock; the next apply clears it, repairs state and reaps orphans', async () => {
    const poolDir = path.join(p.paths.poolsRoot, LOCKED);
    await p.apply(plan(LOCKED, { default: 1 }));
    const [survivor] = membersUnder(poolDir);
    // Scale 1 → 4 and SIGKILL the CLI (and its plugin processes, not the members) while the provider
    // waits for its three new members: what a worker crash or OOM kill does in the middle of `up`.
    // The members are held (see `hold`), so the update is still running whenever the kill comes;
    // before, the test raced the update's end and lost under load (the update had finished).
    fs.writeFileSync(hold, '');
    const crashed = p.apply(plan(LOCKED, { default: 4 })).then(
      () => 'finished',
      (e: unknown) => `failed: ${String(e).slice(0, 80)}`,
    );
    const lock = await waitFor(async () => (await p.locks(LOCKED))[0], 120_000, 'the update to take the lock', 5);
    await waitFor(() => membersUnder(poolDir).length === 4, 120_000, 'the three new members to be started');
    const members = new Set(processesUnder(root).map((x) => x.pid));
    expect(await p.locks(LOCKED)).toMatchObject([{ pid: lock.pid, alive: true }]); // still in the update
    for (const pid of [lock.pid, ...descendants(lock.pid).filter((d) => !members.has(d))]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    expect(await crashed).toMatch(/^failed/);
    await waitFor(() => !pidAlive(lock.pid), 5_000, 'the CLI to die');
    expect(fs.existsSync(lock.file)).toBe(true); // the dead CLI left its lock behind
    expect(await p.locks(LOCKED)).toMatchObject([{ pid: lock.pid, alive: false }]);
    const strays = membersUnder(poolDir).length;
    expect(strays).toBe(4); // the survivor and three started by the killed update, recorded nowhere
    fs.rmSync(hold); // the next apply's new member may start
    // The held strays now start for real (their wait loop's `sleep`s, which share the pool's
    // environment, are gone once all four are the sample service): exactly three orphans to reap.
    await waitFor(() => {
      const procs = processesUnder(poolDir);
      return procs.length === 4 && procs.every((x) => x.cmdline.startsWith(process.execPath));
    }, 60_000, 'the held members to start');

    const before = { ...p.stats };
    const res = await p.apply(plan(LOCKED, { default: 2 }));
    expect(p.stats.staleLocksCleared).toBe(before.staleLocksCleared + 1);
    expect(p.stats.orphansReaped).toBe(before.orphansReaped + strays - 1);
    expect(res.applied.tiers).toEqual({ default: 2 });
    const now = membersUnder(poolDir).map((x) => x.pid).sort();
    expect(now).toEqual((res.applied.details?.members as Array<{ pid: number }>).map((m) => m.pid).sort());
    expect(now).toContain(survivor.pid);
    expect(await p.locks(LOCKED)).toEqual([]);
    expect(logs.join('\n')).toMatch(/cleared stale lock .* dead pid/);
  }, SLOW);

  it('a live lock makes a second update wait, then it applies', async () => {
    const other = createPulumiLocalProvisioner(opts); // a second worker on the same state
    expect((await other.current(LOCKED)).tiers).toEqual({ default: 2 }); // warm: its workspace exists
    const first = p.apply(plan(LOCKED, { default: 4 }));
    const lock = await waitFor(async () => (await p.locks(LOCKED))[0], 120_000, 'the first update to take the lock', 5);
    expect(lock.alive).toBe(true);
    const second = other.apply(plan(LOCKED, { default: 1 }));
    const firstRes = await first;
    const firstDone = Date.now();
    const secondRes = await second;
    expect(firstRes.applied.tiers).toEqual({ default: 4 });
    expect(other.stats.lockWaits).toBeGreaterThanOrEqual(1); // it saw the live lock and waited
    expect(other.stats.staleLocksCleared).toBe(0); // and did not take it for a stale one
    expect(Date.now()).toBeGreaterThanOrEqual(firstDone);
    expect(secondRes.previous.tiers).toEqual({ default: 4 }); // read after the wait: what it really replaced
    expect(secondRes.applied.tiers).toEqual({ default: 1 });
    expect(membersUnder(path.join(p.paths.poolsRoot, LOCKED))).toHaveLength(1);
  }, SLOW);

  it('cancellation through ctx.signal stops the update and leaves the stack unlocked', async () => {
    const ac = new AbortController();
    // Cancel as the engine announces its first resource step (the CLI runs by then).
    const run = p.apply(plan(LOCKED, { default: 3 }), {
      heartbeat: (d) => {
        if ((d as { event?: string } | undefined)?.event === 'resourcePreEvent') ac.abort(new Error('activity cancelled'));
      },
      signal: ac.signal,
    });
    await expect(run).rejects.toThrow();
    await waitFor(async () => (await p.locks(LOCKED)).every((l) => !l.alive) || undefined, 60_000, 'the CLI to exit');
    // The next decision works (stale locks, if any, are cleared) and the table matches it.
    const res = await p.apply(plan(LOCKED, { default: 2 }));
    expect(res.applied.tiers).toEqual({ default: 2 });
    expect(membersUnder(path.join(p.paths.poolsRoot, LOCKED))).toHaveLength(2);
  }, SLOW);
});

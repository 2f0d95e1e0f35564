/**
 * LocalPool through the real Pulumi engine (file backend) and real processes:
 * create 2 → update 5 → same plan (no-op) → update 1 → member killed by hand → refresh shows the
 * drift → next apply repairs it → destroy; the OS process table must match the stack every time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPulumiLocalProvisioner, type PulumiLocalProvisioner } from '../../provisioners/pulumi-local';
import { balancersUnder, destroyAndSweep, membersUnder, plan, processesUnder, tempRoot, waitFor } from './helpers';
import { PORT_BLOCKS, poolPort } from '../helpers/ports';

const SERVICE = 'pool-it';
const BASE_PORT = poolPort(PORT_BLOCKS.localPool);

// Every `up` costs seconds, more on a loaded 2-core machine: generous per-test budget.
const SLOW = 600_000;

describe('LocalPool (real engine, real processes)', () => {
  let root: string;
  let p: PulumiLocalProvisioner;
  const heartbeats: unknown[] = [];
  const ctx = { heartbeat: (d?: unknown) => void heartbeats.push(d) };

  /** Member pids recorded in the stack (from the last apply's state) vs the OS process table. */
  function expectTableMatches(state: { details?: Record<string, unknown> }, replicas: number): number[] {
    const recorded = (state.details?.members as Array<{ pid: number; alive: boolean }>).map((m) => m.pid).sort();
    const running = membersUnder(root)
      .map((m) => m.pid)
      .sort();
    expect(running).toHaveLength(replicas);
    expect(running).toEqual(recorded);
    for (const pid of running) expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1')).toContain('examples/sample-service/server.js');
    return running;
  }

  beforeAll(() => {
    root = tempRoot('pool');
    p = createPulumiLocalProvisioner({
      rootDir: path.join(root, 'pulumi'),
      pulumiHome: path.join(root, 'home'),
      services: { [SERVICE]: { basePort: BASE_PORT, drainMs: 400, graceMs: 3_000 } },
      verifyTimeoutMs: 10_000,
    });
  });

  afterAll(async () => {
    const { killed, left } = await destroyAndSweep(root, async () => p?.destroy(SERVICE));
    expect(left).toEqual([]);
    expect(killed).toBe(0); // destroy alone stopped everything
  });

  it('create 2 → update 5 → no-op → update 1, process table matching each time', async () => {
    const first = await p.apply(plan(SERVICE, { default: 2 }), ctx);
    expect(first.changed).toBe(true);
    expect(first.previous.total).toBe(0);
    expect(first.applied.tiers).toEqual({ default: 2 });
    const two = expectTableMatches(first.applied, 2);
    expect(balancersUnder(root)).toHaveLength(1);
    expect(heartbeats.length).toBeGreaterThan(0);
    expect((await p.verify(plan(SERVICE, { default: 2 }))).ok).toBe(true);

    const five = await p.apply(plan(SERVICE, { default: 5 }), ctx);
    expect(five.changed).toBe(true);
    expect(five.previous.tiers).toEqual({ default: 2 });
    const fivePids = expectTableMatches(five.applied, 5);
    for (const pid of two) expect(fivePids).toContain(pid); // scale-out keeps the old members
    const v5 = await p.verify(plan(SERVICE, { default: 5 }));
    expect(v5).toMatchObject({ ok: true, expected: 5, healthy: 5 });

    // Same plan again (e.g. an activity retry with a new decision): no engine changes.
    const again = await p.apply(plan(SERVICE, { default: 5 }), ctx);
    expect(again.changed).toBe(false);
    expect(expectTableMatches(again.applied, 5)).toEqual(fivePids);

    const one = await p.apply(plan(SERVICE, { default: 1 }), ctx);
    expect(one.changed).toBe(true);
    const onePids = expectTableMatches(one.applied, 1);
    expect(fivePids).toContain(onePids[0]);
    // Scale-in drained the others: SIGTERM, and they exited through their drain path.
    const logs = fs.readdirSync(path.join(p.paths.poolsRoot, SERVICE, 'logs')).filter((f) => f.startsWith('default-'));
    const drained = logs.filter((f) => fs.readFileSync(path.join(p.paths.poolsRoot, SERVICE, 'logs', f), 'utf8').includes('SIGTERM: draining'));
    expect(drained.length).toBeGreaterThanOrEqual(4);
    // The balancer followed the membership without a restart.
    const lbPid = balancersUnder(root)[0].pid;
    const lbView = (await (await fetch(`http://127.0.0.1:${BASE_PORT - 1}/lb/members`)).json()) as { members: Array<{ pid: number }> };
    expect(lbView.members.map((m) => m.pid)).toEqual(onePids);
    expect(balancersUnder(root)[0].pid).toBe(lbPid);
  }, SLOW);

  it('refresh after a member is killed by hand shows the drift; the next apply repairs it', async () => {
    const [victim] = membersUnder(root);
    process.kill(victim.pid, 'SIGKILL');
    await waitFor(() => membersUnder(root).length === 0, 5_000, 'victim to die');

    const refreshed = await p.refresh(SERVICE);
    expect(refreshed.tiers).toEqual({ default: 0 }); // live members after refresh
    expect(refreshed.details?.desired).toEqual({ default: 1 });

    const prev = await p.preview(plan(SERVICE, { default: 1 }));
    expect(prev.changes).toBeGreaterThan(0);
    expect(membersUnder(root)).toHaveLength(0); // preview started nothing

    const repaired = await p.apply(plan(SERVICE, { default: 1 }));
    expect(repaired.changed).toBe(true);
    const [pid] = expectTableMatches(repaired.applied, 1);
    expect(pid).not.toBe(victim.pid);
    expect((await p.verify(plan(SERVICE, { default: 1 }))).ok).toBe(true);

    // current() = refresh + outputs, now in sync.
    expect((await p.current(SERVICE)).tiers).toEqual({ default: 1 });
  }, SLOW);

  it('destroy stops every member and the balancer', async () => {
    await p.destroy(SERVICE);
    expect(processesUnder(root)).toEqual([]);
    expect((await p.current(SERVICE)).total).toBe(0);
  }, SLOW);
});

/**
 * A pulumi-local stack whose checkpoint a killed `pulumi up` left empty or torn (the crash matrix's
 * "apply mid-`up`" cell in CI): the next apply, through the real engine and by a provisioner that
 * has not opened the stack yet (a replacement worker), restores the newest valid backup (or
 * rewrites the attributes sidecar a killed write left empty, which is what CI hit), reconciles
 * the members the restored (older) state does not know, and ends with exactly the planned members.
 * Without a valid backup the apply fails naming the file and leaves the running members alone.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProvisionError } from '../../provisioners/errors';
import { createPulumiLocalProvisioner, type PulumiLocalProvisioner } from '../../provisioners/pulumi-local';
import { cliEnv } from '../../provisioners/pulumi/env';
import { destroyAndSweep, membersUnder, plan, tempRoot } from './helpers';
import { PORT_BLOCKS, poolPort } from '../helpers/ports';

const SLOW = 300_000;
const SERVICE = 'cp-repair';
const BASE_PORT = poolPort(PORT_BLOCKS.checkpointRepair);
const PROJECT = 'kinetic-local';

describe('pulumi-local: a checkpoint left empty or torn by a killed up', () => {
  let root: string;
  let logs: string[];
  let first: PulumiLocalProvisioner;
  const stacksDir = () => path.join(first.paths.backendDir as string, '.pulumi', 'stacks', PROJECT);
  const checkpointFile = () => path.join(stacksDir(), `${SERVICE}.json`);

  /** A new provisioner over the same root: a replacement worker that has not opened the stack. */
  function worker(): PulumiLocalProvisioner {
    return createPulumiLocalProvisioner({
      rootDir: path.join(root, 'pulumi'),
      pulumiHome: path.join(root, 'home'),
      services: { [SERVICE]: { basePort: BASE_PORT, loadBalancer: false, drainMs: 100 } },
      lockPollMs: 100,
      log: (l) => void logs.push(l),
    });
  }

  /** What the real engine says about the stack as it is on disk (the reproduction: it cannot load it). */
  function engineStackOutput(): { status: number | null; stderr: string } {
    const r = spawnSync(first.paths.pulumiBin, ['stack', 'output', '--json', '--stack', SERVICE, '--non-interactive'], {
      cwd: path.join(first.paths.workRoot, SERVICE),
      env: { ...process.env, ...cliEnv(first.paths) },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: r.status, stderr: r.stderr };
  }

  const runningPids = () =>
    membersUnder(root)
      .map((m) => m.pid)
      .sort((a, b) => a - b);
  const appliedPids = (details: Record<string, unknown> | undefined) =>
    (details?.members as Array<{ pid: number; alive: boolean }>).map((m) => m.pid).sort((a, b) => a - b);

  beforeAll(() => {
    root = tempRoot('cp-repair');
    logs = [];
    first = worker();
  });

  afterAll(async () => {
    const { killed, left } = await destroyAndSweep(root, () => worker().destroy(SERVICE));
    expect(left).toEqual([]);
    expect(killed).toBe(0);
  });

  it('empty checkpoint, older backup: restored, the member it does not know reconciled, no duplicates', async () => {
    await first.apply(plan(SERVICE, { default: 1 }, 'd-1'));
    const [kept] = runningPids();
    // The state after d-1, as the DIY backend keeps it in the update history.
    const historyDir = path.join(first.paths.backendDir as string, '.pulumi', 'history', PROJECT, SERVICE);
    const afterD1 = fs.readdirSync(historyDir).filter((f) => f.endsWith('.checkpoint.json'));
    expect(afterD1).toHaveLength(1);
    const olderState = fs.readFileSync(path.join(historyDir, afterD1[0]));

    await first.apply(plan(SERVICE, { default: 2 }, 'd-2'));
    const [, unknown] = runningPids();
    expect(runningPids()).toEqual([kept, unknown].sort((a, b) => a - b));

    // The killed update's torn write: the checkpoint is empty and the newest backup (.bak, the
    // newest by modification time) is the older state, which knows `kept` but not `unknown`.
    fs.writeFileSync(path.join(stacksDir(), `${SERVICE}.json.bak`), olderState);
    fs.truncateSync(checkpointFile(), 0);
    const broken = engineStackOutput();
    expect(broken.status).not.toBe(0);
    expect(broken.stderr).toContain('failed to load checkpoint');

    logs.length = 0;
    const retry = worker();
    const res = await retry.apply(plan(SERVICE, { default: 2 }, 'd-3'));
    expect(res.applied.tiers).toEqual({ default: 2 });
    expect(logs.join('\n')).toContain(`WARNING: checkpoint ${checkpointFile()} could not be loaded (it is empty); restored it from ${checkpointFile()}.bak`);
    expect(logs.join('\n')).toMatch(/repairing after an interrupted operation \(\d+ pending operation\(s\), checkpoint restored from a backup\)/);
    // The member the restored state did not know was reaped, not kept as an orphan beside a new one.
    expect(retry.stats.orphansReaped).toBe(1);
    expect(runningPids()).not.toContain(unknown);
    expect(runningPids()).toContain(kept);
    expect(runningPids()).toHaveLength(2);
    expect(runningPids()).toEqual(appliedPids(res.applied.details));
    // The restore is on record for operators, and repaired.
    const record = JSON.parse(fs.readFileSync(path.join(first.paths.backendDir as string, '.kinetic', 'restored', PROJECT, `${SERVICE}.json`), 'utf8')) as Record<string, unknown>;
    expect(record).toMatchObject({ file: checkpointFile(), from: `${checkpointFile()}.bak`, problem: 'it is empty', repairedAt: expect.any(String) });
    expect(await retry.locks(SERVICE)).toEqual([]);

    // Repaired for good: the same plan again changes nothing and restores nothing.
    logs.length = 0;
    const again = await worker().apply(plan(SERVICE, { default: 2 }, 'd-3'));
    expect(again.changed).toBe(false);
    expect(logs.join('\n')).not.toContain('WARNING');
    expect(engineStackOutput().status).toBe(0);
  }, SLOW);

  it('torn (unparsable) checkpoint: restored from its backup, the planned members run once', async () => {
    const before = runningPids();
    const good = fs.readFileSync(checkpointFile());
    fs.writeFileSync(checkpointFile(), good.subarray(0, Math.floor(good.length / 2)));
    const broken = engineStackOutput();
    expect(broken.status).not.toBe(0);
    expect(broken.stderr).toContain('failed to load checkpoint');

    logs.length = 0;
    const retry = worker();
    const res = await retry.apply(plan(SERVICE, { default: 3 }, 'd-4'));
    expect(logs.join('\n')).toMatch(new RegExp(`WARNING: checkpoint ${checkpointFile().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} could not be loaded \\(it is not valid JSON`));
    expect(res.applied.tiers).toEqual({ default: 3 });
    expect(runningPids()).toHaveLength(3);
    expect(runningPids()).toEqual(appliedPids(res.applied.details));
    for (const pid of before) expect(runningPids()).toContain(pid);
  }, SLOW);

  it('empty attributes sidecar (what CI saw: `failed to load checkpoint: EOF`): rewritten, the stack repaired, the planned members run once', async () => {
    const attrs = `${checkpointFile()}.attrs`;
    expect(fs.statSync(attrs).size).toBeGreaterThan(0);
    fs.truncateSync(attrs, 0);
    const broken = engineStackOutput();
    expect(broken.status).not.toBe(0);
    expect(broken.stderr).toContain('failed to load checkpoint: EOF');

    logs.length = 0;
    const retry = worker();
    const res = await retry.apply(plan(SERVICE, { default: 2 }, 'd-4b'));
    expect(logs.join('\n')).toContain(`WARNING: checkpoint ${checkpointFile()} could not be loaded (its attributes file is empty: ${attrs}); rewrote it`);
    expect(logs.join('\n')).toContain('checkpoint restored from a backup');
    expect(res.applied.tiers).toEqual({ default: 2 });
    expect(runningPids()).toHaveLength(2);
    expect(runningPids()).toEqual(appliedPids(res.applied.details));
    expect(engineStackOutput().status).toBe(0);
  }, SLOW);

  it('no valid backup: fails naming the file and the fix; no empty stack is created over the running members', async () => {
    const before = runningPids();
    const backend = first.paths.backendDir as string;
    const good = fs.readFileSync(checkpointFile());
    const saved = path.join(root, 'saved-state');
    fs.cpSync(path.join(backend, '.pulumi'), saved, { recursive: true });
    fs.rmSync(path.join(stacksDir(), `${SERVICE}.json.bak`));
    fs.rmSync(path.join(backend, '.pulumi', 'backups', PROJECT, SERVICE), { recursive: true });
    fs.rmSync(path.join(backend, '.pulumi', 'history', PROJECT, SERVICE), { recursive: true });
    fs.truncateSync(checkpointFile(), 0);

    const err = await worker()
      .apply(plan(SERVICE, { default: 1 }, 'd-5'))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(ProvisionError);
    expect((err as ProvisionError).retryable).toBe(false);
    expect((err as ProvisionError).message).toContain(`checkpoint ${checkpointFile()} cannot be loaded (it is empty) and no valid backup of it exists`);
    expect((err as ProvisionError).message).toContain(`pulumi stack rm --force ${SERVICE}`);
    expect(fs.statSync(checkpointFile()).size).toBe(0);
    expect(runningPids()).toEqual(before);

    // The operator's fix (restore from a backup of the state) lets the stack go on.
    fs.rmSync(path.join(backend, '.pulumi'), { recursive: true });
    fs.cpSync(saved, path.join(backend, '.pulumi'), { recursive: true });
    fs.writeFileSync(checkpointFile(), good);
    const res = await worker().apply(plan(SERVICE, { default: 1 }, 'd-6'));
    expect(res.applied.tiers).toEqual({ default: 1 });
    expect(runningPids()).toEqual(appliedPids(res.applied.details));
  }, SLOW);
});

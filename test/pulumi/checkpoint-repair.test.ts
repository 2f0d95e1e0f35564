/**
 * Restoring a stack checkpoint a killed CLI left empty or torn, on a real file backend (no engine):
 * which backup wins, what is logged and marked, and the error when no backup is valid.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProvisionError } from '../../provisioners/errors';
import { createStateBackend, type StateBackend } from '../../provisioners/pulumi/backend';
import { attrsProblem, backupCandidates, checkpointAttrs, checkpointProblem, lastRestore, markRestoreRepaired, repairCheckpoint, restoredPendingRepair } from '../../provisioners/pulumi/checkpoint-repair';
import { readCheckpoint } from '../../provisioners/pulumi/stack-state';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-cp-repair-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let n = 0;
function freshBackend(): StateBackend {
  const dir = path.join(root, `b${n++}`);
  return createStateBackend({ kind: 'file', url: `file://${dir}`, dir });
}

const doc = (members: number) => JSON.stringify({ version: 3, checkpoint: { stack: 'organization/p/web', latest: { resources: [{ type: 'kinetic:LocalPool', outputs: { members } }] } } });

/** Writes `key` with `body` and sets its modification time to `ageS` seconds ago. */
function put(b: StateBackend, key: string, body: string, ageS: number): void {
  const file = b.where(key);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, body);
  const t = new Date(Date.now() - ageS * 1000);
  fs.utimesSync(file, t, t);
}

const CP = '.pulumi/stacks/p/web.json';
const opts = (backend: StateBackend, lines: string[], waitForLocks?: () => Promise<unknown>) => ({
  backend,
  projectName: 'p',
  stackName: 'web',
  tag: 'test',
  warn: (l: string) => void lines.push(l),
  waitForLocks,
});

describe('checkpointProblem', () => {
  it('names empty, torn and foreign documents; accepts a checkpoint', () => {
    expect(checkpointProblem(Buffer.alloc(0))).toBe('it is empty');
    expect(checkpointProblem(Buffer.from('  \n'))).toBe('it is empty');
    expect(checkpointProblem(Buffer.from(doc(2).slice(0, 40)))).toMatch(/^it is not valid JSON \(.*; 40 bytes, probably torn/);
    expect(checkpointProblem(Buffer.from('null'))).toMatch(/no "checkpoint" object/);
    expect(checkpointProblem(Buffer.from('{"version":3}'))).toMatch(/no "checkpoint" object/);
    expect(checkpointProblem(Buffer.from(doc(2)))).toBeUndefined();
  });
});

describe('attrsProblem / checkpointAttrs', () => {
  it("names an empty or torn sidecar; writes the engine's fields with the body's MD5", () => {
    expect(attrsProblem(Buffer.alloc(0))).toBe('its attributes file is empty');
    expect(attrsProblem(Buffer.from('{"user.content_type":'))).toBe('its attributes file is not valid JSON');
    expect(attrsProblem(Buffer.from('[]'))).toBe('its attributes file is not a JSON object');
    const body = Buffer.from(doc(1));
    const attrs = JSON.parse(checkpointAttrs(body)) as Record<string, unknown>;
    expect(attrs.md5).toBe(createHash('md5').update(doc(1)).digest('base64'));
    expect(attrs['user.content_type']).toBe('text/plain; charset=utf-8');
    expect(attrsProblem(Buffer.from(checkpointAttrs(body)))).toBeUndefined();
  });
});

describe('backupCandidates', () => {
  it("keeps this stack's backups only, newest first, ties broken by the key's timestamp", () => {
    const objs = [
      { key: '.pulumi/stacks/p/web.json', modifiedMs: 50 },
      { key: '.pulumi/stacks/p/web.json.bak.attrs', modifiedMs: 40 },
      { key: '.pulumi/stacks/p/web.json.bak', modifiedMs: 40 },
      { key: '.pulumi/stacks/p/web-2.json.bak', modifiedMs: 45 },
      { key: '.pulumi/backups/p/web/web.100.json', modifiedMs: 30 },
      { key: '.pulumi/backups/p/web/web.200.json', modifiedMs: 30 },
      { key: '.pulumi/backups/p/web/web.300.json.attrs', modifiedMs: 60 },
      { key: '.pulumi/history/p/web/web-150.checkpoint.json', modifiedMs: 20 },
      { key: '.pulumi/history/p/web/web-150.history.json', modifiedMs: 20 },
      { key: '.pulumi/history/p/web-2/web-2-999.checkpoint.json', modifiedMs: 99 },
    ];
    expect(backupCandidates(objs, 'p', 'web').map((o) => o.key)).toEqual([
      '.pulumi/stacks/p/web.json.bak',
      '.pulumi/backups/p/web/web.200.json',
      '.pulumi/backups/p/web/web.100.json',
      '.pulumi/history/p/web/web-150.checkpoint.json',
    ]);
  });
});

describe('repairCheckpoint', () => {
  it('leaves a valid or missing checkpoint alone, without waiting for locks', async () => {
    const b = freshBackend();
    let waits = 0;
    const lines: string[] = [];
    expect(await repairCheckpoint(opts(b, lines, async () => void waits++))).toBeUndefined();
    put(b, CP, doc(1), 0);
    put(b, `${CP}.bak`, doc(9), 0);
    expect(await repairCheckpoint(opts(b, lines, async () => void waits++))).toBeUndefined();
    expect(fs.readFileSync(b.where(CP), 'utf8')).toBe(doc(1));
    expect(waits).toBe(0);
    expect(lines).toEqual([]);
    expect(await restoredPendingRepair(b, 'p', 'web')).toBe(false);
  });

  it('restores an empty checkpoint from the newest valid backup, warns naming the file and marks the stack for repair', async () => {
    const b = freshBackend();
    put(b, CP, '', 0);
    put(b, `${CP}.bak`, doc(3), 5);
    put(b, '.pulumi/backups/p/web/web.1.json', doc(2), 60);
    put(b, '.pulumi/history/p/web/web-1.checkpoint.json', doc(2), 60);
    const lines: string[] = [];
    let waits = 0;
    const r = await repairCheckpoint(opts(b, lines, async () => void waits++));
    expect(waits).toBe(1);
    expect(r).toEqual({ file: b.where(CP), from: b.where(`${CP}.bak`), problem: 'it is empty' });
    expect(fs.readFileSync(b.where(CP), 'utf8')).toBe(doc(3));
    expect(JSON.parse(fs.readFileSync(b.where(`${CP}.attrs`), 'utf8'))).toMatchObject({ md5: createHash('md5').update(doc(3)).digest('base64') });
    expect((await readCheckpoint(b, 'p', 'web'))?.checkpoint?.latest?.resources?.[0].outputs).toEqual({ members: 3 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`WARNING: checkpoint ${b.where(CP)} could not be loaded (it is empty); restored it from ${b.where(`${CP}.bak`)}`);
    expect(await restoredPendingRepair(b, 'p', 'web')).toBe(true);
    // Restored: a second call finds nothing to do.
    expect(await repairCheckpoint(opts(b, lines))).toBeUndefined();
    // The record outlives the repair, marked as repaired.
    await markRestoreRepaired(b, 'p', 'web');
    expect(await restoredPendingRepair(b, 'p', 'web')).toBe(false);
    expect(await lastRestore(b, 'p', 'web')).toMatchObject({ file: b.where(CP), from: b.where(`${CP}.bak`), problem: 'it is empty', repairedAt: expect.any(String) });
  });

  it('skips a torn backup and takes the next one; a torn checkpoint is named as such', async () => {
    const b = freshBackend();
    put(b, CP, doc(4).slice(0, 55), 0);
    put(b, `${CP}.bak`, '', 1);
    put(b, '.pulumi/backups/p/web/web.7.json', doc(2), 30);
    put(b, '.pulumi/history/p/web/web-5.checkpoint.json', doc(1), 40);
    const r = await repairCheckpoint(opts(b, []));
    expect(r?.from).toBe(b.where('.pulumi/backups/p/web/web.7.json'));
    expect(r?.problem).toMatch(/^it is not valid JSON/);
    expect(fs.readFileSync(b.where(CP), 'utf8')).toBe(doc(2));
  });

  it('rewrites an empty attributes sidecar of a valid checkpoint (what a kill inside the engine write leaves) and marks the stack for repair', async () => {
    const b = freshBackend();
    put(b, CP, doc(2), 0);
    put(b, `${CP}.attrs`, '', 0);
    put(b, `${CP}.bak`, doc(1), 0);
    const lines: string[] = [];
    const r = await repairCheckpoint(opts(b, lines));
    expect(r).toEqual({ file: b.where(CP), from: b.where(CP), problem: 'its attributes file is empty' });
    expect(fs.readFileSync(b.where(CP), 'utf8')).toBe(doc(2)); // kept: it is the newest save that landed
    expect(attrsProblem(fs.readFileSync(b.where(`${CP}.attrs`)))).toBeUndefined();
    expect(JSON.parse(fs.readFileSync(b.where(`${CP}.attrs`), 'utf8'))).toMatchObject({ md5: createHash('md5').update(doc(2)).digest('base64') });
    expect(lines.join('\n')).toContain(`WARNING: checkpoint ${b.where(CP)} could not be loaded (its attributes file is empty: ${b.where(CP)}.attrs); rewrote it`);
    expect(await restoredPendingRepair(b, 'p', 'web')).toBe(true);
    expect(await repairCheckpoint(opts(b, lines))).toBeUndefined();
  });

  it('does nothing when the checkpoint became valid while it waited for a live holder', async () => {
    const b = freshBackend();
    put(b, CP, '', 0);
    put(b, `${CP}.bak`, doc(1), 10);
    const lines: string[] = [];
    const r = await repairCheckpoint(opts(b, lines, async () => put(b, CP, doc(5), 0)));
    expect(r).toBeUndefined();
    expect(fs.readFileSync(b.where(CP), 'utf8')).toBe(doc(5));
    expect(lines).toEqual([]);
  });

  it('without a valid backup fails (not retryable) naming the file and the fix, and writes nothing', async () => {
    const b = freshBackend();
    put(b, CP, '', 0);
    put(b, `${CP}.bak`, '{"version":3,"checkpo', 1);
    const err = await repairCheckpoint(opts(b, [])).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProvisionError);
    const e = err as ProvisionError;
    expect(e.retryable).toBe(false);
    expect(e.failureType).toBe('StackCheckpointUnreadable');
    expect(e.message).toContain(`checkpoint ${b.where(CP)} cannot be loaded (it is empty) and no valid backup of it exists`);
    expect(e.message).toContain('.pulumi/stacks/p/web.json.bak: it is not valid JSON');
    expect(e.message).toContain('pulumi stack rm --force web');
    expect(fs.readFileSync(b.where(CP), 'utf8')).toBe('');
    expect(await restoredPendingRepair(b, 'p', 'web')).toBe(false);
  });

  it('readCheckpoint names the file of a torn checkpoint', async () => {
    const b = freshBackend();
    put(b, CP, '{"version":', 0);
    await expect(readCheckpoint(b, 'p', 'web')).rejects.toThrow(`checkpoint ${b.where(CP)} cannot be loaded`);
  });
});

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAuditLog, FileAuditLog } from '../../store/audit';
import { canonicalJson, chainHash, GENESIS } from '../../store/audit/chain';
import { createSandbox } from '../helpers/sandbox';
import { auditRecord } from './audit-records';


const lines = (log: FileAuditLog) => readFileSync(log.file, 'utf8').trimEnd().split('\n');
const writeLines = (log: FileAuditLog, ls: string[]) => writeFileSync(log.file, ls.join('\n') + '\n');

async function logWith(ids: string[]): Promise<FileAuditLog> {
  const log = new FileAuditLog(createSandbox().stateRoot);
  for (const id of ids) await log.append(auditRecord(id));
  return log;
}

describe('canonical JSON and the chain hash', () => {
  it('canonical JSON sorts keys at every level and survives a JSON round trip', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: null, y: 'x' }], c: undefined } })).toBe('{"a":{"d":[1,{"y":"x","z":null}]},"b":1}');
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(canonicalJson(JSON.parse(JSON.stringify(v)))).toBe(canonicalJson(v));
      }),
    );
  });

  it('hash = sha256(prevHash + canonical JSON of { record, seq })', () => {
    const r = auditRecord('a');
    const expected = createHash('sha256').update(GENESIS + canonicalJson({ record: r, seq: 1 })).digest('hex');
    expect(chainHash(GENESIS, 1, r)).toBe(expected);
    expect(chainHash(GENESIS, 2, r)).not.toBe(expected);
    expect(chainHash(GENESIS, 1, { ...r, outcome: 'failed' })).not.toBe(expected);
  });
});

describe('file audit log', () => {
  it('appends a decision once, however often the activity retries, each record linked to the one before', async () => {
    const log = new FileAuditLog(createSandbox().stateRoot);
    const a = await log.append(auditRecord('a'));
    expect(a).toMatchObject({ written: true, seq: 1 });
    expect(await log.append(auditRecord('a', 'web', { outcome: 'failed' }))).toEqual({ ...a, written: false });
    const b = await log.append(auditRecord('b', 'api'));
    expect(b).toMatchObject({ written: true, seq: 2 });
    expect((await log.all()).map((r) => r.id)).toEqual(['a', 'b']);
    expect((await log.find('a'))?.outcome).toBe('committed');
    expect((await log.forService('api')).map((r) => r.id)).toEqual(['b']);
    const [l1, l2] = lines(log).map((l) => JSON.parse(l));
    expect(l1).toEqual({ seq: 1, prevHash: GENESIS, hash: a.hash, record: auditRecord('a') });
    expect(l2).toMatchObject({ seq: 2, prevHash: a.hash, hash: b.hash });
    expect(await log.verify()).toMatchObject({ ok: true, records: 2, chained: 2, legacy: 0, head: { seq: 2, hash: b.hash } });
  });

  it('repairs a torn tail before the next append: the next record stays readable (it was lost before)', async () => {
    const log = await logWith(['a']);
    appendFileSync(log.file, '{"seq":2,"prevHash":"ab'); // a crash mid-write
    expect((await log.verify()).tornTail).toBe('{"seq":2,"prevHash":"ab');
    const b = await log.append(auditRecord('b'));
    expect(b).toMatchObject({ written: true, seq: 2 });
    expect((await log.all()).map((r) => r.id)).toEqual(['a', 'b']);
    expect(lines(log)).toHaveLength(2);
    const report = await log.verify();
    expect(report).toMatchObject({ ok: true, records: 2, head: { seq: 2 } });
    expect(report.tornTail).toBeUndefined();
    // The fragment is kept aside for an operator, not silently dropped.
    const aside = readdirSync(dirname(log.file)).filter((f) => f.startsWith('decisions.jsonl.torn-'));
    expect(aside.map((f) => readFileSync(join(dirname(log.file), f), 'utf8'))).toEqual(['{"seq":2,"prevHash":"ab']);
  });

  it('a torn plain line of an older version is repaired the same way', async () => {
    const log = await logWith(['a']);
    writeFileSync(log.file, '{"id":"half', { flag: 'a' });
    await log.append(auditRecord('b'));
    expect((await log.all()).map((r) => r.id)).toEqual(['a', 'b']);
  });

  it('a whole last record that only lost its newline is kept, not cut off', async () => {
    const log = await logWith(['a', 'b']);
    writeFileSync(log.file, readFileSync(log.file, 'utf8').trimEnd());
    await log.append(auditRecord('c'));
    expect((await log.all()).map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect((await log.verify()).ok).toBe(true);
  });

  it('verify names a changed record', async () => {
    const log = await logWith(['a', 'b', 'c']);
    const ls = lines(log);
    const changed = JSON.parse(ls[1]);
    changed.record.outcome = 'rolled-back';
    ls[1] = JSON.stringify(changed);
    writeLines(log, ls);
    const report = await log.verify();
    expect(report.ok).toBe(false);
    expect(report.firstBreak).toMatchObject({ kind: 'tampered', where: 'line 2', seq: 2, decisionId: 'b' });
    expect(report.firstBreak?.message).toMatch(/changed after it was written/);
  });

  it('verify names a record rewritten with a recomputed hash: the next link breaks', async () => {
    const log = await logWith(['a', 'b', 'c']);
    const ls = lines(log);
    const e = JSON.parse(ls[1]);
    e.record.outcome = 'rolled-back';
    e.hash = chainHash(e.prevHash, e.seq, e.record);
    ls[1] = JSON.stringify(e);
    writeLines(log, ls);
    expect((await log.verify()).firstBreak).toMatchObject({ kind: 'broken-link', where: 'line 3', seq: 3 });
  });

  it('verify names a deleted record', async () => {
    const log = await logWith(['a', 'b', 'c', 'd']);
    const ls = lines(log);
    writeLines(log, [ls[0], ls[2], ls[3]]);
    const report = await log.verify();
    expect(report.firstBreak).toMatchObject({ kind: 'missing', expectedSeq: 2, seq: 3, where: 'line 2' });
    expect(report.firstBreak?.message).toMatch(/seq 2 is missing/);
  });

  it('verify names reordered records', async () => {
    const log = await logWith(['a', 'b', 'c', 'd']);
    const ls = lines(log);
    writeLines(log, [ls[0], ls[2], ls[1], ls[3]]);
    const report = await log.verify();
    expect(report.firstBreak).toMatchObject({ kind: 'reordered', expectedSeq: 2, seq: 3, where: 'line 2' });
  });

  it('verify names an unreadable line and a duplicated record', async () => {
    const log = await logWith(['a', 'b']);
    const ls = lines(log);
    writeLines(log, [ls[0], 'garbage', ls[1]]);
    expect((await log.verify()).firstBreak).toMatchObject({ kind: 'unreadable', where: 'line 2' });
    writeLines(log, [ls[0], ls[1], ls[1]]);
    expect((await log.verify()).firstBreak).toMatchObject({ kind: 'duplicate', where: 'line 3', decisionId: 'b' });
  });

  it('plain lines of earlier versions stay readable, and the first chained record anchors them', async () => {
    const sb = createSandbox();
    const log = new FileAuditLog(sb.stateRoot);
    mkdirSync(dirname(log.file), { recursive: true });
    const old = [auditRecord('old1'), auditRecord('old2', 'api')];
    writeFileSync(log.file, old.map((r) => JSON.stringify(r) + '\n').join(''));
    expect((await log.all()).map((r) => r.id)).toEqual(['old1', 'old2']);
    expect((await log.find('old2'))?.service).toBe('api');
    expect(await log.verify()).toMatchObject({ ok: true, records: 2, legacy: 2, chained: 0, unanchoredLegacy: 2 });
    // The retry of an old decision writes nothing; a new one continues the numbering after them.
    expect(await log.append(auditRecord('old1'))).toMatchObject({ written: false, seq: 1 });
    const c = await log.append(auditRecord('new'));
    expect(c).toMatchObject({ written: true, seq: 3 });
    expect(await log.verify()).toMatchObject({ ok: true, records: 3, legacy: 2, chained: 1, unanchoredLegacy: 0, head: { seq: 3, hash: c.hash } });
    // Now a change to an old line is detected: the chained record no longer links to it.
    const ls = lines(log);
    ls[0] = JSON.stringify({ ...old[0], outcome: 'failed' });
    writeLines(log, ls);
    expect((await log.verify()).firstBreak).toMatchObject({ kind: 'broken-link', where: 'line 3', seq: 3 });
    // A plain line after the chain started is reported (an older worker still writing, or an insertion).
    writeLines(log, [JSON.stringify(old[0]), JSON.stringify(old[1]), ls[2], JSON.stringify(auditRecord('sneaky'))]);
    expect((await log.verify()).firstBreak).toMatchObject({ kind: 'unchained', where: 'line 4', decisionId: 'sneaky' });
  });

  it('a log that only grew is read from where the last read stopped, and reads as the whole file would', async () => {
    const log = await logWith(['g1', 'g2']);
    expect((await log.all()).map((r) => r.id)).toEqual(['g1', 'g2']); // parsed and cached
    // Another host appends a linked record, then dies mid-append of the next.
    const head = JSON.parse(lines(log)[1]);
    const r3 = auditRecord('g3');
    appendFileSync(log.file, JSON.stringify({ seq: 3, prevHash: head.hash, hash: chainHash(head.hash, 3, r3), record: r3 }) + '\n{"seq":4,"prevH');
    expect((await log.find('g3'))?.id).toBe('g3');
    expect(await log.append(auditRecord('g4'))).toMatchObject({ written: true, seq: 4 });
    expect(await log.append(auditRecord('g3'))).toMatchObject({ written: false, seq: 3 });
    const grown = (await log.all()).map((r) => r.id);
    const report = await log.verify(); // reads the whole file again
    expect(report).toMatchObject({ ok: true, records: 4, chained: 4, head: { seq: 4 } });
    expect((await log.all()).map((r) => r.id)).toEqual(grown);
    expect(grown).toEqual(['g1', 'g2', 'g3', 'g4']);
  });

  it('workers in several processes append concurrently and keep one chain', async () => {
    const sb = createSandbox();
    const script = join(sb.dir, 'append.ts');
    writeFileSync(
      script,
      `import { FileAuditLog } from ${JSON.stringify(join(process.cwd(), 'store/audit'))};
const log = new FileAuditLog(${JSON.stringify(sb.stateRoot)});
const who = process.argv[2];
(async () => {
  for (let i = 0; i < 10; i++) {
    const id = who + '-' + i;
    await log.append({ id, service: who, workflowId: 'w', runId: 'r', trigger: { kind: 'test' }, dryRun: false, stage: 'done', outcome: 'committed', compensation: [], timings: {}, startedAt: '', finishedAt: '' });
  }
})();
`,
    );
    const run = (who: string) =>
      new Promise<number | null>((resolve) => spawn(process.execPath, ['--import', 'tsx', script, who], { cwd: process.cwd(), stdio: 'inherit' }).on('exit', resolve));
    expect(await Promise.all(['p1', 'p2', 'p3'].map(run))).toEqual([0, 0, 0]);
    const log = new FileAuditLog(sb.stateRoot);
    const report = await log.verify();
    expect(report).toMatchObject({ ok: true, records: 30, chained: 30, head: { seq: 30 } });
    expect(lines(log).map((l) => JSON.parse(l).seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(new Set((await log.all()).map((r) => r.id)).size).toBe(30);
  }, 60_000);

  it('state.audit picks the sink; postgres without its environment variable names the field', () => {
    const sb = createSandbox();
    expect(createAuditLog(undefined, sb.stateRoot)).toBeInstanceOf(FileAuditLog);
    const state = { audit: 'postgres' as const, store: 'file' as const, postgres: { urlEnv: 'KINETIC_TEST_UNSET_URL', schema: 'kinetic' } };
    expect(() => createAuditLog(state, sb.stateRoot, {})).toThrow(
      'state.postgres.urlEnv: environment variable KINETIC_TEST_UNSET_URL is not set; set it to the database URL (postgres://USER:PASSWORD@HOST:5432/DB) on every worker and CLI host, or use state.audit/state.store: file',
    );
    expect(() => createAuditLog(state, sb.stateRoot, { KINETIC_TEST_UNSET_URL: 'mysql://x' })).toThrow(/state\.postgres\.urlEnv: KINETIC_TEST_UNSET_URL must be a postgres:\/\/ URL/);
  });
});

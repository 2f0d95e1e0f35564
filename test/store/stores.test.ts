import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CsvMetricsSource, readCsvValues } from '../../metrics/csv-source';
import { BudgetLedger } from '../../store/budget-ledger';
import { withFileLock } from '../../store/file-lock';
import { DecisionLedger } from '../../store/ledger';
import type { DecisionRecord } from '../../decision/record';
import { createSandbox } from '../helpers/sandbox';

const record = (id: string): DecisionRecord => ({
  id, service: 'web', workflowId: 'scale-web', runId: 'r', trigger: { kind: 'test' }, dryRun: false, stage: 'done',
  outcome: 'committed', compensation: [], timings: {}, startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(),
});

describe('audit ledger', () => {
  it('appends a decision once, however often the activity retries', () => {
    const sb = createSandbox();
    const ledger = new DecisionLedger(sb.stateRoot);
    expect(ledger.append(record('a'))).toBe(true);
    expect(ledger.append(record('a'))).toBe(false);
    expect(ledger.append(record('b'))).toBe(true);
    expect(ledger.all().map((r) => r.id)).toEqual(['a', 'b']);
  });
  it('a torn last line does not hide earlier records', () => {
    const sb = createSandbox();
    const ledger = new DecisionLedger(sb.stateRoot);
    ledger.append(record('a'));
    writeFileSync(ledger.file, '{"id":"half', { flag: 'a' });
    expect(ledger.all().map((r) => r.id)).toEqual(['a']);
  });
});

describe('budget ledger', () => {
  it('reserve → commit/release is idempotent and late retries cannot resurrect a reservation', () => {
    const sb = createSandbox();
    const b = new BudgetLedger(sb.stateRoot);
    const r = { decisionId: 'd1', service: 'web', pool: 'p', monthly: 100, at: '' };
    expect(b.reserve(r)).toBe(true);
    expect(b.poolUsage('p', 'api', 'dx')).toEqual({ committedOthers: 0, reservedOthers: 100 });
    expect(b.commit('d1')).toBe(true);
    expect(b.commit('d1')).toBe(false);
    expect(b.reserve(r)).toBe(false);
    expect(b.poolUsage('p', 'api', 'dx')).toEqual({ committedOthers: 100, reservedOthers: 0 });
    b.reserve({ ...r, decisionId: 'd2', monthly: 50 });
    expect(b.release('d2')).toBe(true);
    expect(b.release('d2')).toBe(false);
    expect(b.snapshot().reservations).toEqual({});
  });
});

describe('file lock', () => {
  it('takes over a lock whose owner died', () => {
    const sb = createSandbox();
    const lock = join(sb.dir, 'x.lock');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(lock, dead);
    expect(withFileLock(lock, () => 42, 1000)).toBe(42);
  });
  it('waits on a live owner and gives up with a clear message', () => {
    const sb = createSandbox();
    const lock = join(sb.dir, 'y.lock');
    writeFileSync(lock, String(process.ppid));
    expect(() => withFileLock(lock, () => 1, 100)).toThrow(/is held by live pid/);
  });
});

describe('CSV metrics source', () => {
  it('reads the trailing window by column name', async () => {
    const sb = createSandbox();
    const file = join(sb.dir, 'm.csv');
    writeFileSync(file, 'ts,rps\n2026-01-01 00:00:00,1\n2026-01-01 00:01:00,2\n2026-01-01 00:02:00,3\n');
    const src = new CsvMetricsSource({ path: file, valueColumn: 'rps', timeColumn: 'ts', historyPoints: 2 });
    const end = new Date('2026-01-02T00:00:00Z');
    const s = await src.range('web', 'rps', new Date(end.getTime() - 600_000), end, 60);
    expect(s.values).toEqual([2, 3]);
    expect(s.start).toBe(end.getTime() - 120_000);
  });
  it('names the file, row and column of bad values', () => {
    const sb = createSandbox();
    const file = join(sb.dir, 'bad.csv');
    writeFileSync(file, 'rps\n1\nabc\n');
    expect(() => readCsvValues({ path: file, valueColumn: 'rps', historyPoints: 10 })).toThrow(/bad\.csv:3: column "rps" is "abc", not a number/);
    expect(() => readCsvValues({ path: file, valueColumn: 'qps', historyPoints: 10 })).toThrow(/no column "qps" \(metrics\.valueColumn\); the header has: rps/);
    expect(() => readCsvValues({ path: join(sb.dir, 'none.csv'), valueColumn: 'rps', historyPoints: 10 })).toThrow(/cannot read \(ENOENT\)/);
  });
});

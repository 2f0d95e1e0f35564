import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataInputError, aggregate, hampelFlags, loadSeries } from '../../models/data';
import { parseNumbers } from '../../models/data/read';
import { toGrid } from '../../models/data/frames';
import { fillGaps } from '../../models/data/regularise';

const dir = mkdtempSync(join(tmpdir(), 'kinetic-data-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const csv = (rows: string[]) => ['timestamp,value,host', ...rows].join('\n') + '\n';
const rows = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));
const stamp = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 300_000).toISOString().replace('T', ' ').slice(0, 19);

describe('data preparation', () => {
  it('reads a CSV by column name, regularises timestamps and interpolates a short gap', async () => {
    // 30 five-minute rows with index 10 missing.
    const path = file('ok.csv', csv(rows(30, (i) => `${stamp(i)},${i * 2},a`).filter((_, i) => i !== 10)));
    const s = await loadSeries(path);
    expect(s.valueCol).toBe('value');
    expect(s.stepSeconds).toBe(300);
    expect(s.values).toHaveLength(30);
    expect(s.values[10]).toBeCloseTo(20, 10);
    expect(s.gaps).toEqual([{ start: 10, length: 1, long: false }]);
  });

  it('flags long gaps but still returns a regular series', async () => {
    const values = [1, NaN, NaN, NaN, NaN, NaN, 7];
    const gaps = fillGaps(values, 3);
    expect(gaps).toEqual([{ start: 1, length: 5, long: true }]);
    expect(values).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const grid = await toGrid([0, 60_000, 60_000, 180_000, 240_000], [1, 2, 4, 5, 6]);
    expect(grid.values.slice(0, 2)).toEqual([1, 3]);
    expect(Number.isNaN(grid.values[2])).toBe(true);
    expect(grid.duplicates).toBe(1);
  });

  it('aggregates by sum or mean and drops the partial last bucket', () => {
    expect(aggregate([1, 2, 3, 4, 5, 6, 7], 3, 'sum')).toEqual([6, 15]);
    expect(aggregate([1, 2, 3, 4, 5, 6, 7], 3, 'mean')).toEqual([2, 5]);
  });

  it('flags a spike with the Hampel filter and keeps it in the history', async () => {
    const values = rows(60, (i) => String(10 + (i % 3))).map(Number);
    values[30] = 500;
    expect(hampelFlags(values)).toEqual([30]);
    const s = await loadSeries(file('spike.txt', values.join(' ')));
    expect(s.outliers).toEqual([30]);
    expect(s.values[30]).toBe(500);
  });

  it('reads whitespace-separated numbers and .tbz2 archives through tar', async () => {
    const text = rows(40, (i) => String(i)).join(' ') + '\n';
    file('workload.txt', text);
    execFileSync('tar', ['-cjf', join(dir, 'w.tbz2'), '-C', dir, 'workload.txt']);
    const s = await loadSeries(join(dir, 'w.tbz2'), { agg: 4, aggFn: 'sum' });
    expect(s.values).toHaveLength(10);
    expect(s.values[0]).toBe(0 + 1 + 2 + 3);
    expect(parseNumbers('1 2.5\n-3e2\tnan', 'x').map(String)).toEqual(['1', '2.5', '-300', 'NaN']);
  });

  it('explains unusable input: unknown column, non-numeric cell, too short, all empty, junk tokens', async () => {
    const good = file('good.csv', csv(rows(30, (i) => `${stamp(i)},${i},a`)));
    await expect(loadSeries(good, { valueCol: 'cpu' })).rejects.toThrow(/good\.csv: no column 'cpu'; the columns are 'timestamp', 'value', 'host'; pass one of them with --value-col/);
    await expect(loadSeries(good, { timeCol: 'when' })).rejects.toThrow(/no column 'when'.*--time-col/);
    await expect(loadSeries(good, { valueCol: 'host' })).rejects.toThrow(/column 'host', row 2 .*'a' is not a number/);
    const bad = file('bad.csv', csv(rows(30, (i) => `${stamp(i)},${i === 7 ? 'oops' : i},a`)));
    await expect(loadSeries(bad)).rejects.toThrow(/bad\.csv: column 'value', row 9 .*'oops' is not a number/);
    const short = file('short.csv', csv(rows(5, (i) => `${stamp(i)},${i},a`)));
    await expect(loadSeries(short)).rejects.toThrow(/short\.csv: only 5 points after preparation; need at least 10/);
    await expect(loadSeries(good, { agg: 10 })).rejects.toThrow(/only 3 points.*smaller --agg/);
    const empty = file('empty.csv', 'timestamp,value\n' + rows(20, (i) => `${stamp(i)},`).join('\n'));
    await expect(loadSeries(empty)).rejects.toThrow(/empty\.csv, column 'value': no numeric values/);
    await expect(loadSeries(file('junk.txt', '1 2 3 x4 5'))).rejects.toThrow(/junk\.txt: line 1, value #4 'x4' is not a number/);
    await expect(loadSeries(join(dir, 'missing.csv'))).rejects.toThrow(DataInputError);
    await expect(loadSeries(file('blank.txt', '  \n'))).rejects.toThrow(/the file is empty/);
  });
});

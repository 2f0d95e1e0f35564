import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CsvMetricsSource, readCsvValues } from '../../metrics/csv-source';
import { createSandbox } from '../helpers/sandbox';

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

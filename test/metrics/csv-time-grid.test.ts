import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MetricsInputError } from '../../metrics/contract';
import { CsvMetricsSource } from '../../metrics/csv-source';
import { loadSeries } from '../../models/data';
import { parseCsvTable } from '../../models/data/csv-table';
import { createSandbox } from '../helpers/sandbox';

const END = new Date('2026-11-27T12:00:00Z');
const MIN = 60_000;
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();

function file(name: string, text: string): string {
  const path = join(createSandbox('kinetic-csvgrid-').dir, name);
  writeFileSync(path, text);
  return path;
}

/** The worker's read of a decision's window: `points` steps of `stepSeconds` ending at END. */
function range(path: string, points: number, stepSeconds: number, historyPoints = 1000) {
  const src = new CsvMetricsSource({ path, valueColumn: 'rps', timeColumn: 'ts', historyPoints });
  return src.range('web', 'rps', new Date(END.getTime() - points * stepSeconds * 1000), END, stepSeconds);
}

describe('the shared CSV reader', () => {
  it('keeps quoted commas, CRLF and the line each row starts on', () => {
    const t = parseCsvTable('ts,"label, long",rps\r\n1,"a, b",3\r\n2,"two\nlines",4\r\n\r\n', 'q.csv');
    expect(t.names).toEqual(['ts', 'label, long', 'rps']);
    expect(t.rows).toEqual([
      ['1', 'a, b', '3'],
      ['2', 'two\nlines', '4'],
    ]);
    expect(t.lines).toEqual([2, 3]);
  });

  it('the CLI and the worker read the same file to the same values', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => `${at(i * 5)},"web, eu",${10 + i}`);
    const path = file('same.csv', ['ts,pool,rps', ...rows].join('\n') + '\n');
    const cli = await loadSeries(path, { valueCol: 'rps', timeCol: 'ts', minPoints: 2 });
    const worker = await range(path, 12, 300);
    expect(cli.values).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]);
    expect(worker.values).toEqual(cli.values);
    expect(cli.stepSeconds).toBe(300);
  });
});

describe('CSV metrics source with a time column', () => {
  it('reads a rewritten file afresh (the gridded window is kept only for the same file version)', async () => {
    const rows = (v: number) => ['ts,rps', `${at(0)},1`, `${at(1)},2`, `${at(2)},${v}`].join('\n');
    const path = file('rewritten.csv', rows(3));
    expect((await range(path, 3, 60)).values).toEqual([1, 2, 3]);
    const again = await range(path, 3, 60);
    expect(again.values).toEqual([1, 2, 3]);
    again.values[0] = 99; // a caller's edit must not reach the next decision
    expect((await range(path, 3, 60)).values).toEqual([1, 2, 3]);
    writeFileSync(path, rows(30) + '\n');
    expect((await range(path, 3, 60)).values).toEqual([1, 2, 30]);
  });

  it('puts rows on the decision step by their timestamps: a missing step is a gap, not a shifted row', async () => {
    // Minutes 0..5 with minute 3 missing.
    const path = file('gap.csv', ['ts,rps', `${at(0)},1`, `${at(1)},2`, `${at(2)},3`, `${at(4)},5`, `${at(5)},6`].join('\n'));
    const s = await range(path, 6, 60);
    expect(s.values.slice(0, 3)).toEqual([1, 2, 3]);
    expect(Number.isNaN(s.values[3])).toBe(true);
    expect(s.values.slice(4)).toEqual([5, 6]);
    expect(s.gaps).toEqual([{ index: 3, length: 1 }]);
    // The newest row's step ends at `end` (replay: the newest row is "now").
    expect(s.start).toBe(END.getTime() - 6 * MIN);
  });

  it('averages rows finer than the step, in any row order', async () => {
    // One-minute rows, five-minute step: steps are the 5-row windows around minutes 0, 5 and 10.
    const minutes = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 11, 12];
    const path = file('fine.csv', ['ts,rps', ...minutes.map((m) => `${at(m)},${m}`)].join('\n'));
    const s = await range(path, 3, 300);
    // Anchored on the newest row (minute 12): steps at 2, 7, 12 hold minutes 0..4, 5..9, 10..12.
    expect(s.values).toEqual([(0 + 1 + 2 + 3 + 4) / 5, (5 + 6 + 7 + 8 + 9) / 5, (10 + 11 + 12) / 3]);
    expect(s.gaps).toEqual([]);
  });

  it('a file shorter than the window is a shorter history, and historyPoints caps the steps', async () => {
    const path = file('short.csv', ['ts,rps', `${at(0)},4`, `${at(1)},5`, `${at(2)},6`].join('\n'));
    const all = await range(path, 100, 60);
    expect(all.values).toEqual([4, 5, 6]);
    expect(all.gaps).toEqual([]);
    const capped = await range(path, 100, 60, 2);
    expect(capped.values).toEqual([5, 6]);
  });

  it('names file, line and column of a bad value inside the window and ignores one before it', async () => {
    const bad = file('bad.csv', ['ts,rps', `${at(0)},oops`, `${at(1)},2`, `${at(2)},x`, `${at(3)},4`, `${at(4)},5`].join('\n'));
    expect((await range(bad, 2, 60)).values).toEqual([4, 5]);
    await expect(range(bad, 3, 60)).rejects.toThrow(/bad\.csv:4: column "rps" is "x", not a number; fix or remove the row/);
    const when = file('when.csv', ['ts,rps', `${at(0)},1`, 'soon,2'].join('\n'));
    await expect(range(when, 3, 60)).rejects.toThrow(MetricsInputError);
    await expect(range(when, 3, 60)).rejects.toThrow(/when\.csv:3: column "ts" is "soon", not a timestamp; write ISO 8601 UTC/);
    const neg = file('neg.csv', ['ts,rps', `${at(0)},1`, `${at(1)},-3`].join('\n'));
    await expect(range(neg, 3, 60)).rejects.toThrow(/neg\.csv:3: column "rps" is -3; demand cannot be negative/);
  });
});

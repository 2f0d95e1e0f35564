import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileRateHistory, onGrid } from '../../metrics/rate-history';
import { createSandbox } from '../helpers/sandbox';

describe('local-pool rate history', () => {
  it('places timestamped samples on the step grid ending at the newest, with missing steps as explicit gaps', () => {
    const t0 = 1_800_000_000_000;
    const s = [
      { at: t0 + 1_000, value: 1 },
      { at: t0 + 60_000, value: 2 },
      { at: t0 + 240_000, value: 5 },
      { at: t0 + 250_000, value: 99 }, // same step as the one before: the first stands
    ];
    expect(onGrid(s, 10, 60)).toEqual({ start: t0, stepSeconds: 60, values: [1, 2, NaN, NaN, 5], gaps: [{ index: 2, length: 2 }] });
    expect(onGrid(s, 2, 60)).toEqual({ start: t0 + 180_000, stepSeconds: 60, values: [NaN, 5], gaps: [{ index: 0, length: 1 }] });
    expect(onGrid([], 10, 60).values).toEqual([]);
  });

  it('file history (state.store file): a CSV of rates under the state dir, newest row is now', async () => {
    const file = join(createSandbox().stateRoot, 'metrics', 'web-rps.csv');
    const h = new FileRateHistory(file);
    const end = new Date(1_800_000_000_000);
    expect((await h.read(10, 60, end)).values).toEqual([]);
    await h.append(1.234, 0);
    expect((await h.read(10, 60, end)).values).toEqual([1.23]);
    await h.append(2, 0);
    await h.append(3, 0);
    expect(readFileSync(file, 'utf8')).toBe('rps\n1.23\n2.00\n3.00\n');
    expect(await h.read(2, 60, end)).toEqual({ start: end.getTime() - 120_000, stepSeconds: 60, values: [2, 3], gaps: [] });
  });
});

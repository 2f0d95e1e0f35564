import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { command as backtest } from '../../cli/commands/backtest';
import { command as forecast } from '../../cli/commands/forecast';
import { command as m4 } from '../../cli/commands/m4';
import { seasonalSeries } from './synthetic';

// The JSON shapes the README documents are relied on by outside checks: pin them here.
const dir = mkdtempSync(join(tmpdir(), 'kinetic-cli-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function runJson(cmd: typeof backtest, argv: string[]): Promise<Record<string, unknown>> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    expect(await cmd.run(argv)).toBe(0);
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
  return JSON.parse(lines.join('\n'));
}

describe('CLI commands', () => {
  const y = seasonalSeries(24 * 10, { seed: 21 });
  // A numbers file keeps danfojs (and its ~4 s tfjs load) out of this test; CSV reading is
  // covered in data.test.ts.
  const csv = join(dir, 'load.txt');
  writeFileSync(csv, y.join('\n'));

  it('backtest --json has { series, points, horizon, season, models, ensemble }', async () => {
    const out = await runJson(backtest, ['--data', csv, '--step', '3600', '--horizon', '6', '--season', '24', '--folds', '3', '--models', 'ewma', '--json']);
    expect(Object.keys(out)).toEqual(['series', 'points', 'horizon', 'season', 'models', 'ensemble']);
    expect(out).toMatchObject({ series: 'load.txt', points: 240, horizon: 6, season: 24 });
    const models = out.models as Record<string, Record<string, number>>;
    expect(Object.keys(models)).toEqual(expect.arrayContaining(['naive', 'seasonalNaive', 'ewma']));
    for (const s of [...Object.values(models), out.ensemble as Record<string, number>]) {
      expect(Object.keys(s).sort()).toEqual(['coverage90', 'fitMs', 'forecastMs', 'mape', 'mase', 'smape']);
    }
  });

  it('forecast --json gives the point, quantiles and chosen models', async () => {
    const out = await runJson(forecast, ['--data', csv, '--step', '3600', '--horizon', '4', '--models', 'naive,seasonalNaive', '--json']);
    expect(out.point).toHaveLength(4);
    expect(Object.keys(out.quantiles as object)).toEqual(['p05', 'p50', 'p90', 'p95', 'p99']);
    expect(out.chosen).toEqual(expect.arrayContaining(['seasonalNaive']));
    expect(out.coldStart).toBe(false);
  });

  it('m4 --json scores a small wide file', async () => {
    const train = join(dir, 'train.csv');
    const test = join(dir, 'test.csv');
    const header = (n: number) => Array.from({ length: n }, (_, i) => `"V${i + 1}"`).join(',');
    const series = [seasonalSeries(24 * 9, { seed: 1 }), seasonalSeries(24 * 8, { seed: 2 })];
    writeFileSync(train, `${header(24 * 9 + 1)}\n` + series.map((s, k) => [`"H${k + 1}"`, ...s, ...new Array(24 * 9 - s.length).fill('')].join(',')).join('\n'));
    writeFileSync(test, `${header(49)}\n` + series.map((_, k) => [`"H${k + 1}"`, ...seasonalSeries(48, { seed: 30 + k })].join(',')).join('\n'));
    const out = await runJson(m4, ['--train', train, '--test', test, '--models', 'naive,seasonalNaive', '--json']);
    // Fields are only ever added (outside checks read this JSON): naive2 came with issue 11.
    expect(Object.keys(out)).toEqual(['series', 'smape', 'mase', 'owa', 'perModel', 'naive2']);
    expect(out.series).toBe(2);
    expect(Object.keys(out.perModel as object).sort()).toEqual(['naive', 'seasonalNaive']);
    // OWA is relative to Naive2 on these two series, not to the published all-series figures.
    const n2 = out.naive2 as { smape: number; mase: number };
    expect(n2.smape).toBeGreaterThan(0);
    expect(out.owa as number).toBeCloseTo(((out.smape as number) / n2.smape + (out.mase as number) / n2.mase) / 2, 3);
  });

  it('bad input is a UserError naming the fix', async () => {
    await expect(backtest.run(['--data', csv, '--horizon', '6', '--agg-fn', 'max'])).rejects.toThrow(/--agg-fn max: expected sum or mean/);
    await expect(backtest.run(['--data', csv, '--horizon', '100', '--folds', '5'])).rejects.toThrow(/too short for 5 folds/);
    await expect(backtest.run(['--data', csv])).rejects.toThrow(/--horizon H is required/);
    await expect(backtest.run(['--data', csv, '--horizon', '6', '--models', 'lstm'])).rejects.toThrow(/'lstm' is not available/);
    await expect(m4.run(['--train', csv])).rejects.toThrow(/--train FILE and --test FILE are required/);
  });
});

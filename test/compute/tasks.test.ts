import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { closeComputePool, computePool } from '../../compute';
import { fitModel } from '../../compute/fit-model';
import { backtestFold } from '../../models/backtest';
import { forecastM4Series } from '../../models/m4';
import { series } from './series';

const ROOT = join(__dirname, '..', '..');
afterAll(() => closeComputePool());

/** Timings differ between runs; everything else must be identical. */
function withoutTimes(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutTimes);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => !/Ms$/.test(k)).map(([k, x]) => [k, withoutTimes(x)]));
  return v;
}

describe('compute tasks on the shared pool', () => {
  it('fitModel: the same serialized model and forecast as in this thread', async () => {
    const input = { model: 'sarima', values: series(600, 2), horizon: 24, options: { seasons: [24] } };
    const [pooled, local] = await Promise.all([computePool().run('fitModel', input), fitModel(input)]);
    expect(withoutTimes(pooled)).toEqual(withoutTimes(local));
    expect(pooled.forecast.point).toHaveLength(24);
  });

  it('m4Series: the same member and ensemble forecasts as in this thread', async () => {
    const input = { values: series(700, 3), horizon: 48, seasons: [24, 168], ensemble: { models: ['naive', 'seasonalNaive', 'ets'] } };
    const pooled = await computePool().run('m4Series', input);
    const local = await forecastM4Series(input);
    expect(pooled.ensemble).toEqual(local.ensemble);
    expect(pooled.members).toEqual(local.members);
    expect(Object.keys(pooled.members)).toEqual(['naive', 'seasonalNaive', 'ets']);
  });

  it('backtestFold: the same fold forecasts and weights as in this thread', async () => {
    const input = { train: series(500, 4), horizon: 12, requested: ['naive', 'seasonalNaive', 'ewma'], ensemble: { models: ['naive', 'seasonalNaive', 'ewma'] }, fitOptions: { seasons: [24] } };
    const pooled = await computePool().run('backtestFold', input);
    expect(withoutTimes(pooled)).toEqual(withoutTimes(await backtestFold(input)));
  });

  it('keeps the event loop responsive while a long fit runs in a thread', async () => {
    const pool = computePool();
    await pool.run('fitModel', { model: 'naive', values: [1, 2, 3], horizon: 1 }); // threads warm
    const ticks: number[] = [];
    const timer = setInterval(() => ticks.push(performance.now()), 10);
    const t0 = performance.now();
    const out = await pool.run('fitModel', { model: 'sarima', values: series(4032, 5), horizon: 12, options: { seasons: [24, 168] } });
    const t1 = performance.now();
    clearInterval(timer);
    const gaps = [ticks[0] - t0, ...ticks.slice(1).map((t, i) => t - ticks[i]), t1 - ticks[ticks.length - 1]];
    // In this thread the same fit would stall the timer for its whole duration. The fit must be
    // long enough for that to show (about 0.3 s on an idle machine, longer under load).
    expect(out.fitMs).toBeGreaterThan(150);
    expect(Math.max(...gaps)).toBeLessThan(out.fitMs / 2);
    expect(ticks.length).toBeGreaterThan(out.fitMs / 10 / 4);
  });

  it('works from a process started with tsx, honours KINETIC_COMPUTE_THREADS and lets it exit', async () => {
    const run = promisify(execFile);
    const { stdout } = await run(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(__dirname, 'from-tsx.ts')], {
      cwd: ROOT,
      env: { ...process.env, KINETIC_COMPUTE_THREADS: '1' },
      timeout: 25_000,
    });
    const out = JSON.parse(stdout) as { size: number; point: number[] };
    expect(out.size).toBe(1);
    const local = await fitModel({ model: 'ets', values: series(400, 7), horizon: 12, options: { seasons: [24] } });
    expect(out.point).toEqual(local.forecast.point);
  });
});

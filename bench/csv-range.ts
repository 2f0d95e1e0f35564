/**
 * bench:csv-range — what danfojs in the CSV reading path costs (issue 18, point 7).
 *
 *   npx tsx bench/csv-range.ts                 # markdown to stdout
 *   npx tsx bench/csv-range.ts --before <rev>  # the "before" CSV source from that commit (default 3814602)
 *
 * Measures, in one process: danfojs' load (the first `loadDanfo()`, as a worker's first timestamped
 * read pays it); the CSV source's `range()` over 2,016 and 20,160 five-minute rows with a time
 * column — before (metrics/csv-source.ts of `--before`, which split on commas and used row
 * positions) and after (the shared reader + danfojs resampling onto the step, gaps reported), and
 * after without a time column (row positions, no danfojs); then `kinetic --help`'s wall time
 * (a fresh `node bin/kinetic.js --help`, which must not load danfojs). Medians of the repeats.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { MetricsSource } from '../metrics/contract';
import { commandLine, describeLoad, infoLines, LoadSampler, runInfo } from './helpers/run-info';

const ROOT = resolve(__dirname, '..');
const STEP = 300;
const SIZES = [2016, 20160];
const REPEATS = 15;

type SourceCtor = new (opts: { path: string; valueColumn: string; timeColumn?: string; historyPoints: number }) => MetricsSource;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** n five-minute rows with every 97th row missing (real exports have holes). */
function writeCsv(dir: string, n: number): string {
  const t0 = Date.UTC(2026, 10, 1);
  const lines = ['timestamp,requests_per_second'];
  for (let i = 0, rows = 0; rows < n; i++) {
    if (i % 97 === 96) continue;
    lines.push(`${new Date(t0 + i * STEP * 1000).toISOString().replace('T', ' ').slice(0, 19)},${(50 + 20 * Math.sin(i / 40)).toFixed(2)}`);
    rows++;
  }
  const file = join(dir, `rows-${n}.csv`);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** The CSV source as it was at `rev`, loaded next to the current one (its only import is ./contract). */
function beforeSource(rev: string, dir: string): SourceCtor {
  const d = join(dir, 'before', 'metrics');
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'csv-source.ts'), execFileSync('git', ['show', `${rev}:metrics/csv-source.ts`], { cwd: ROOT, encoding: 'utf8' }));
  copyFileSync(join(ROOT, 'metrics', 'contract.ts'), join(d, 'contract.ts'));
  return (require(join(d, 'csv-source.ts')) as { CsvMetricsSource: SourceCtor }).CsvMetricsSource;
}

async function medianMs(f: () => Promise<unknown>, repeats = REPEATS): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    await f();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return ms[ms.length >> 1];
}

async function main(): Promise<void> {
  const rev = arg('--before', '3814602');
  const info = runInfo(commandLine(__filename));
  const sampler = new LoadSampler().start();
  const dir = mkdtempSync(join(tmpdir(), 'kinetic-bench-csv-'));
  try {
    let t = performance.now();
    const { loadDanfo } = await import('../models/data/frames');
    await loadDanfo();
    const danfoLoadMs = performance.now() - t;

    const Before = beforeSource(rev, dir);
    const { CsvMetricsSource: After } = await import('../metrics/csv-source');
    const rows: string[] = [];
    for (const n of SIZES) {
      const file = writeCsv(dir, n);
      const end = new Date();
      const start = new Date(end.getTime() - n * STEP * 1000);
      const read = (Ctor: SourceCtor, timeColumn?: string) => () =>
        new Ctor({ path: file, valueColumn: 'requests_per_second', timeColumn, historyPoints: n }).range('bench', 'rps', start, end, STEP);
      const afterSeries = await read(After, 'timestamp')();
      const before = await medianMs(read(Before, 'timestamp'));
      const after = await medianMs(read(After, 'timestamp'));
      const positions = await medianMs(read(After));
      rows.push(
        `| ${n.toLocaleString('en')} | ${before.toFixed(1)} | ${after.toFixed(1)} | ${positions.toFixed(1)} | ${afterSeries.values.length} steps, ${afterSeries.gaps.length} gaps reported (before: ${n} rows as steps, no gaps) |`,
      );
    }

    const helpMs: number[] = [];
    for (let i = 0; i < 5; i++) {
      t = performance.now();
      const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'kinetic.js'), '--help'], { cwd: ROOT, encoding: 'utf8' });
      helpMs.push(performance.now() - t);
      if (r.status !== 0) throw new Error(`kinetic --help exited ${r.status}: ${r.stderr}`);
    }
    helpMs.sort((a, b) => a - b);
    const load = sampler.stop();

    console.log(
      [
        ...infoLines(info),
        `- Load: ${describeLoad(load)}`,
        `- Before: metrics/csv-source.ts at ${rev}, in the same process; medians of ${REPEATS} reads (warm: danfojs already loaded)`,
        '',
        `danfojs load (first \`loadDanfo()\` in the process): **${Math.round(danfoLoadMs)} ms**`,
        '',
        '| rows (5-min, 1 in 97 missing) | before: range() ms | after: range() with time column ms (danfojs) | after: range() without time column ms | what range() returns |',
        '|---|---|---|---|---|',
        ...rows,
        '',
        `\`kinetic --help\` (fresh process, tsx, median of 5): **${Math.round(helpMs[2])} ms** (min ${Math.round(helpMs[0])}, max ${Math.round(helpMs[4])}); danfojs not loaded (test/metrics/danfo-lazy.test.ts)`,
      ].join('\n'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

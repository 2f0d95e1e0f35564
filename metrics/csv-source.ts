import { readFileSync, statSync } from 'node:fs';
import { type CellProblem, type CsvTable, columnIndex, numberAt, numberColumn, parseCsvTable, timeColumn } from '../models/data/csv-table';
import type { ServiceConfig } from '../config/schema';
import { resampleToStep } from '../models/data/frames';
import { MetricSeries, MetricsInputError, MetricsSource } from './contract';

/**
 * CSV replay: the file is the history of one metric, and its newest row is "now". Used by the demo
 * and tests, and by users who export metrics from elsewhere. The file is parsed by the same reader
 * as the CLI's `loadSeries` (models/data/csv-table.ts). With a time column the rows are put on the
 * decision's step by danfojs (models/data/frames.ts): several rows in a step are averaged, a step
 * without a row is a gap in `MetricSeries.gaps`. Without one, each row is one step. Missing or
 * non-numeric values are errors that name the file, the row and the column — a scaler must not
 * plan on guesses.
 */

export interface CsvSourceOptions {
  path: string;
  valueColumn: string;
  timeColumn?: string;
  historyPoints: number;
}

function readTable(opts: CsvSourceOptions): { table: CsvTable; vi: number; ti: number } {
  let text: string;
  try {
    text = readFileSync(opts.path, 'utf8');
  } catch (e) {
    throw new MetricsInputError(`metrics.path ${opts.path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check the path in kinetic.yaml`);
  }
  const table = parseCsvTable(text, opts.path);
  if (table.rows.length === 0) throw new MetricsInputError(`${opts.path}: no data rows; the file needs a header and at least 2 rows`);
  const vi = columnIndex(table, opts.valueColumn);
  if (vi < 0) {
    throw new MetricsInputError(`${opts.path}: no column "${opts.valueColumn}" (metrics.valueColumn); the header has: ${table.names.join(', ')}; set metrics.valueColumn to one of them`);
  }
  const ti = opts.timeColumn ? columnIndex(table, opts.timeColumn) : -1;
  if (opts.timeColumn && ti < 0) {
    throw new MetricsInputError(`${opts.path}: no column "${opts.timeColumn}" (metrics.timeColumn); the header has: ${table.names.join(', ')}; set metrics.timeColumn to one of them, or remove it`);
  }
  return { table, vi, ti };
}

const notANumber = (p: CellProblem) => new MetricsInputError(`${p.file}:${p.line}: column "${p.column}" is "${p.cell}", not a number; fix or remove the row`);
const notATimestamp = (p: CellProblem) =>
  new MetricsInputError(`${p.file}:${p.line}: column "${p.column}" is "${p.cell}", not a timestamp; write ISO 8601 UTC, e.g. 2026-11-27T10:00:00Z`);

/** Demand is a count: a negative value is a broken export, named by its line. */
function checkNotNegative(table: CsvTable, values: readonly number[], rows: readonly number[], column: string): void {
  const i = values.findIndex((v) => v < 0);
  if (i >= 0) throw new MetricsInputError(`${table.file}:${table.lines[rows[i]]}: column "${column}" is ${values[i]}; demand cannot be negative`);
}

/** The trailing `historyPoints` rows (by position), validated; `times` when a time column is configured. */
export function readCsvValues(opts: CsvSourceOptions): { values: number[]; times?: number[] } {
  const { table, vi, ti } = readTable(opts);
  const from = Math.max(0, table.rows.length - opts.historyPoints);
  const values = numberColumn(table, vi, false, notANumber, from);
  checkNotNegative(
    table,
    values,
    values.map((_, i) => from + i),
    opts.valueColumn,
  );
  return { values, times: ti >= 0 ? timeColumn(table, ti, notATimestamp, from) : undefined };
}

/**
 * Gridded windows by file version: a decision reads its service's file every time, and an export
 * that has not changed since the last decision need not be parsed and resampled again (tens of ms
 * per read on a 2,016-row file). Keyed by size, mtime and inode, so any rewrite misses.
 */
const grids = new Map<string, { values: number[]; gaps: MetricSeries['gaps'] }>();
const GRID_CACHE_ENTRIES = 64;

function fileVersion(path: string): string | undefined {
  try {
    const st = statSync(path);
    return `${st.size}:${st.mtimeMs}:${st.ino}`;
  } catch {
    return undefined; // readTable names the problem
  }
}

export class CsvMetricsSource implements MetricsSource {
  readonly kind = 'csv';
  constructor(private readonly opts: CsvSourceOptions) {}

  /**
   * The newest `min(historyPoints, (end - start) / step)` steps, shifted so the newest row's step
   * ends at `end`. With a time column the rows' timestamps decide the steps; without, row positions.
   */
  async range(_service: string, _metric: string, start: Date, end: Date, stepSeconds: number): Promise<MetricSeries> {
    const wanted = Math.min(this.opts.historyPoints, Math.max(1, Math.floor((end.getTime() - start.getTime()) / 1000 / stepSeconds)));
    if (!this.opts.timeColumn) {
      const { values } = readCsvValues(this.opts);
      const tail = values.slice(-wanted);
      return { start: end.getTime() - tail.length * stepSeconds * 1000, stepSeconds, values: tail, gaps: [] };
    }
    return this.onTimeGrid(end.getTime(), stepSeconds * 1000, wanted);
  }

  private async onTimeGrid(endMs: number, stepMs: number, wanted: number): Promise<MetricSeries> {
    const version = fileVersion(this.opts.path);
    const key = version && JSON.stringify([this.opts.path, this.opts.valueColumn, this.opts.timeColumn, version, stepMs, wanted]);
    let grid = key ? grids.get(key) : undefined;
    if (!grid) {
      grid = await this.grid(stepMs, wanted);
      if (key) {
        if (grids.size >= GRID_CACHE_ENTRIES) grids.delete(grids.keys().next().value!);
        grids.set(key, grid);
      }
    }
    return { start: endMs - grid.values.length * stepMs, stepSeconds: stepMs / 1000, values: [...grid.values], gaps: grid.gaps.map((g) => ({ ...g })) };
  }

  private async grid(stepMs: number, wanted: number): Promise<{ values: number[]; gaps: MetricSeries['gaps'] }> {
    const { table, vi, ti } = readTable(this.opts);
    // Every timestamp must parse: the newest row (what "now" is) depends on all of them.
    const times = timeColumn(table, ti, notATimestamp);
    let newest = -Infinity;
    for (const t of times) if (t > newest) newest = t;
    const oldestStep = newest - (wanted - 1) * stepMs;
    // Only the rows inside the window are read as values (an old bad row does not stop a decision).
    const rows: number[] = [];
    for (let r = 0; r < times.length; r++) if (newest + Math.round((times[r] - newest) / stepMs) * stepMs >= oldestStep) rows.push(r);
    const values = rows.map((r) => numberAt(table, r, vi, false, notANumber));
    checkNotNegative(table, values, rows, this.opts.valueColumn);
    const rowTimes = rows.map((r) => times[r]);
    let first = newest;
    for (const t of rowTimes) if (t < first) first = t;
    // A file shorter than the window is a shorter history, not a leading gap.
    const fromMs = Math.max(oldestStep, newest + Math.round((first - newest) / stepMs) * stepMs);
    const grid = await resampleToStep(rowTimes, values, stepMs, { anchorMs: newest, fromMs, toMs: newest });
    return { values: grid.values, gaps: grid.gaps };
  }
}

/** Whether any service reads a timestamped CSV (its metrics, dimension or region metrics): those reads need danfojs. */
export function readsTimestampedCsv(services: Readonly<Record<string, ServiceConfig>>): boolean {
  return Object.values(services).some((s) =>
    [s.metrics, ...Object.values(s.dimensionMetrics ?? {}), ...Object.values(s.regionMetrics ?? {})].some((m) => m.source === 'csv' && !!m.timeColumn),
  );
}

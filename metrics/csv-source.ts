import { readFileSync } from 'node:fs';
import { MetricSeries, MetricsInputError, MetricsSource } from './contract';

/**
 * CSV replay: the file is the history of one metric, and its last row is "now". Used by the demo
 * and tests, and by users who export metrics from elsewhere. Missing or non-numeric values are
 * errors that name the file, the row and the column — a scaler must not plan on guesses.
 */

export interface CsvSourceOptions {
  path: string;
  valueColumn: string;
  timeColumn?: string;
  historyPoints: number;
}

function splitCsvLine(line: string): string[] {
  // Metrics exports are simple; quoted fields are unquoted but may not contain commas.
  return line.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
}

export function readCsvValues(opts: CsvSourceOptions): { values: number[]; times?: number[] } {
  let text: string;
  try {
    text = readFileSync(opts.path, 'utf8');
  } catch (e) {
    throw new MetricsInputError(`metrics.path ${opts.path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check the path in kinetic.yaml`);
  }
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop(); // trailing newlines only
  if (lines.length < 2) throw new MetricsInputError(`${opts.path}: no data rows; the file needs a header and at least 2 rows`);
  const header = splitCsvLine(lines[0]);
  const vi = header.indexOf(opts.valueColumn);
  if (vi < 0) {
    throw new MetricsInputError(`${opts.path}: no column "${opts.valueColumn}" (metrics.valueColumn); the header has: ${header.join(', ')}; set metrics.valueColumn to one of them`);
  }
  const ti = opts.timeColumn ? header.indexOf(opts.timeColumn) : -1;
  if (opts.timeColumn && ti < 0) {
    throw new MetricsInputError(`${opts.path}: no column "${opts.timeColumn}" (metrics.timeColumn); the header has: ${header.join(', ')}; set metrics.timeColumn to one of them, or remove it`);
  }
  const rows = lines.slice(1).slice(-opts.historyPoints);
  const firstRow = lines.length - rows.length + 1; // 1-based line number of rows[0]
  const values: number[] = [];
  const times: number[] = [];
  rows.forEach((line, i) => {
    const cells = splitCsvLine(line);
    const cell = cells[vi];
    const v = cell === undefined || cell === '' ? NaN : Number(cell);
    const where = `${opts.path}:${firstRow + i}`;
    if (!Number.isFinite(v)) {
      throw new MetricsInputError(`${where}: column "${opts.valueColumn}" is "${cell ?? ''}", not a number; fix or remove the row`);
    }
    if (v < 0) throw new MetricsInputError(`${where}: column "${opts.valueColumn}" is ${v}; demand cannot be negative`);
    values.push(v);
    if (ti >= 0) {
      const t = Date.parse(cells[ti].includes('T') || cells[ti].endsWith('Z') ? cells[ti] : `${cells[ti].replace(' ', 'T')}Z`);
      if (!Number.isFinite(t)) throw new MetricsInputError(`${where}: column "${opts.timeColumn}" is "${cells[ti] ?? ''}", not a timestamp; write ISO 8601 UTC, e.g. 2026-11-27T10:00:00Z`);
      times.push(t);
    }
  });
  return { values, times: ti >= 0 ? times : undefined };
}

export class CsvMetricsSource implements MetricsSource {
  readonly kind = 'csv';
  constructor(private readonly opts: CsvSourceOptions) {}

  /** The file's trailing `historyPoints` rows, anchored so that the last row ends at `end`. */
  async range(_service: string, _metric: string, start: Date, end: Date, stepSeconds: number): Promise<MetricSeries> {
    const { values } = readCsvValues(this.opts);
    const wanted = Math.max(1, Math.floor((end.getTime() - start.getTime()) / 1000 / stepSeconds));
    const tail = values.slice(-wanted);
    return { start: end.getTime() - tail.length * stepSeconds * 1000, stepSeconds, values: tail, gaps: [] };
  }
}

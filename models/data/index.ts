import { basename } from 'node:path';
import { AggFn, aggregate } from './aggregate';
import { DataInputError } from './errors';
import { hampelFlags } from './outliers';
import { CellProblem, CsvTable, columnIndex, numberCell, numberColumn, parseCsvTable, timeColumn } from './csv-table';
import { toGrid } from './frames';
import { looksLikeCsv, parseNumbers, readText } from './read';
import { Gap, fillGaps } from './regularise';

export { DataInputError } from './errors';
export { aggregate, type AggFn } from './aggregate';
export { hampelFlags, robustScale } from './outliers';
export { readM4, type M4Series } from './m4';
export type { Gap } from './regularise';

/**
 * Load one series for forecasting: read (CSV / numbers / .tbz2), regularise timestamps, fill
 * gaps, aggregate, flag outliers, and reject input no model could use, with a message that
 * names the file, the place and the fix.
 */

export interface LoadOptions {
  valueCol?: string;
  timeCol?: string;
  /** Aggregate every K points (after regularisation). */
  agg?: number;
  aggFn?: AggFn;
  /** Step of the raw data in seconds when the file has no timestamps. */
  stepSeconds?: number;
  /** Longest gap (in raw steps) that is interpolated silently; longer ones are flagged. */
  maxShortGap?: number;
  /** Fewest points acceptable after preparation. */
  minPoints?: number;
  /** Skip the Hampel pass on very long series (it is O(n·window)). */
  maxOutlierScan?: number;
}

export interface PreparedSeries {
  name: string;
  values: number[];
  /** Seconds per point after aggregation, when known. */
  stepSeconds?: number;
  /** Epoch ms of the first point, when the file had timestamps. */
  startMs?: number;
  valueCol?: string;
  /** Gaps filled, in raw (pre-aggregation) grid indices. */
  gaps: Gap[];
  /** Indices (after aggregation) the Hampel filter flags; the values are kept. */
  outliers: number[];
  notes: string[];
}

export async function loadSeries(file: string, opts: LoadOptions = {}): Promise<PreparedSeries> {
  const notes: string[] = [];
  const text = readText(file);
  if (text.trim().length === 0) throw new DataInputError(`${file}: the file is empty; provide a CSV with a header or whitespace-separated numbers`);
  let values: number[];
  let stepSeconds = opts.stepSeconds;
  let startMs: number | undefined;
  let valueCol: string | undefined;
  let gaps: Gap[] = [];
  const maxShortGap = opts.maxShortGap ?? 3;
  if (looksLikeCsv(text)) {
    const table = parseCsvTable(text, file);
    valueCol = pickValueColumn(table, file, opts.valueCol, opts.timeCol);
    values = numberColumn(table, columnIndex(table, valueCol), true, notANumber);
    const timeCol = opts.timeCol ?? (table.names.includes('timestamp') && valueCol !== 'timestamp' ? 'timestamp' : undefined);
    if (timeCol !== undefined) {
      if (!table.names.includes(timeCol)) throw unknownColumn(file, timeCol, table.names, '--time-col');
      const times = timeColumn(table, columnIndex(table, timeCol), notATimestamp);
      // danfojs (loaded here, on first use) puts the rows on their step grid; gaps become NaN.
      const grid = await toGrid(times, values);
      values = grid.values;
      stepSeconds = grid.stepSeconds;
      startMs = grid.startMs;
      if (grid.duplicates) notes.push(`${grid.duplicates} duplicate timestamps averaged`);
    }
  } else {
    if (opts.valueCol || opts.timeCol) notes.push('file has no header: --value-col/--time-col ignored');
    values = parseNumbers(text, file);
  }
  if (values.length === 0 || values.every((v) => Number.isNaN(v))) {
    throw new DataInputError(`${file}${valueCol ? `, column '${valueCol}'` : ''}: no numeric values (all empty or NaN); choose a column with data`);
  }
  gaps = fillGaps(values, maxShortGap);
  const longGaps = gaps.filter((g) => g.long);
  if (gaps.length) notes.push(`${gaps.length} gaps filled by interpolation (${gaps.reduce((s, g) => s + g.length, 0)} points)`);
  if (longGaps.length) notes.push(`${longGaps.length} long gaps (> ${maxShortGap} steps) interpolated and flagged: first at index ${longGaps[0].start}, ${longGaps[0].length} points`);
  const k = opts.agg ?? 1;
  if (k > 1) {
    values = aggregate(values, k, opts.aggFn ?? 'mean');
    if (stepSeconds !== undefined) stepSeconds *= k;
  }
  const minPoints = opts.minPoints ?? 10;
  if (values.length < minPoints) {
    throw new DataInputError(`${file}: only ${values.length} points after preparation${k > 1 ? ` (--agg ${k})` : ''}; need at least ${minPoints}: use a longer file${k > 1 ? ' or a smaller --agg' : ''}`);
  }
  const scanLimit = opts.maxOutlierScan ?? 1_000_000;
  let outliers: number[] = [];
  if (values.length <= scanLimit) outliers = hampelFlags(values);
  else notes.push(`outlier scan skipped: ${values.length} points > ${scanLimit}; aggregate with --agg first`);
  if (outliers.length) notes.push(`${outliers.length} points flagged as outliers (Hampel, 3 MAD); kept in the history`);
  return { name: basename(file), values, stepSeconds, startMs, valueCol, gaps, outliers, notes };
}

function unknownColumn(file: string, col: string, names: string[], flag: string): DataInputError {
  return new DataInputError(`${file}: no column '${col}'; the columns are ${names.map((n) => `'${n}'`).join(', ')}; pass one of them with ${flag}`);
}

/** The named column, else 'value', else the first column that is not the time column and holds numbers. */
function pickValueColumn(table: CsvTable, file: string, wanted: string | undefined, timeCol: string | undefined): string {
  if (wanted !== undefined) {
    if (!table.names.includes(wanted)) throw unknownColumn(file, wanted, table.names, '--value-col');
    return wanted;
  }
  if (table.names.includes('value')) return 'value';
  const holdsNumbers = (i: number) => table.rows.some((r) => Number.isFinite(numberCell(r[i])));
  const numeric = table.names.filter((n, i) => n !== timeCol && n !== 'timestamp' && holdsNumbers(i));
  if (numeric.length === 0) {
    throw new DataInputError(`${file}: no numeric column among ${table.names.map((n) => `'${n}'`).join(', ')}; pass the value column with --value-col`);
  }
  return numeric[0];
}

function notANumber(p: CellProblem): DataInputError {
  return new DataInputError(`${p.file}: column '${p.column}', row ${p.line} (line ${p.line} of the file): '${p.cell.slice(0, 30)}' is not a number; fix that cell, or pick the numeric column with --value-col`);
}

function notATimestamp(p: CellProblem): DataInputError {
  return new DataInputError(`${p.file}: column '${p.column}', row ${p.line} (line ${p.line} of the file): '${p.cell.slice(0, 30)}' is not a timestamp; use ISO 8601 (2014-07-01 00:00:00) or epoch seconds, or pick another --time-col`);
}

import { basename } from 'node:path';
import { AggFn, aggregate } from './aggregate';
import { DataInputError } from './errors';
import { hampelFlags } from './outliers';
import { looksLikeCsv, parseNumbers, readCsv, readText, RawColumns } from './read';
import { Gap, fillGaps, toGrid } from './regularise';

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
    const raw = await readCsv(file, /\.(tbz2|tar\.bz2|tbz)$/i.test(file) ? text : undefined);
    valueCol = pickValueColumn(raw, file, opts.valueCol, opts.timeCol);
    values = toNumbers(raw.columns[valueCol], file, valueCol);
    const timeCol = opts.timeCol ?? (raw.names.includes('timestamp') && valueCol !== 'timestamp' ? 'timestamp' : undefined);
    if (timeCol !== undefined) {
      if (!raw.names.includes(timeCol)) throw unknownColumn(file, timeCol, raw.names, '--time-col');
      const times = toTimes(raw.columns[timeCol], file, timeCol);
      const grid = toGrid(times, values);
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
function pickValueColumn(raw: RawColumns, file: string, wanted: string | undefined, timeCol: string | undefined): string {
  if (wanted !== undefined) {
    if (!raw.names.includes(wanted)) throw unknownColumn(file, wanted, raw.names, '--value-col');
    return wanted;
  }
  if (raw.names.includes('value')) return 'value';
  const numeric = raw.names.filter((n) => n !== timeCol && n !== 'timestamp' && raw.columns[n].some((v) => typeof v === 'number'));
  if (numeric.length === 0) {
    throw new DataInputError(`${file}: no numeric column among ${raw.names.map((n) => `'${n}'`).join(', ')}; pass the value column with --value-col`);
  }
  return numeric[0];
}

/** Numbers from a column; empty cells become NaN (gaps), anything else non-numeric is an error. */
function toNumbers(cells: unknown[], file: string, col: string): number[] {
  const out = new Array<number>(cells.length);
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i];
    if (typeof c === 'number') out[i] = c;
    else if (c === null || c === undefined || (typeof c === 'string' && (c.trim() === '' || /^nan$/i.test(c.trim())))) out[i] = NaN;
    else {
      const v = Number(c);
      if (typeof c === 'string' && c.trim() !== '' && Number.isFinite(v)) out[i] = v;
      else {
        throw new DataInputError(`${file}: column '${col}', row ${i + 2} (line ${i + 2} of the file): '${String(c).slice(0, 30)}' is not a number; fix that cell, or pick the numeric column with --value-col`);
      }
    }
  }
  return out;
}

/** Epoch ms from ISO-like strings (no zone = UTC, as NAB documents) or epoch seconds/ms numbers. */
function toTimes(cells: unknown[], file: string, col: string): number[] {
  return cells.map((c, i) => {
    let ms = NaN;
    // papaparse's dynamic typing turns full ISO strings into Date objects.
    if (c instanceof Date) ms = c.getTime();
    else if (typeof c === 'number') ms = c > 1e11 ? c : c * 1000;
    else if (typeof c === 'string') {
      const s = c.trim();
      const iso = s.replace(' ', 'T');
      ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
      if (Number.isNaN(ms)) ms = Date.parse(s);
    }
    if (!Number.isFinite(ms)) {
      throw new DataInputError(`${file}: column '${col}', row ${i + 2}: '${String(c).slice(0, 30)}' is not a timestamp; use ISO 8601 (2014-07-01 00:00:00) or epoch seconds, or pick another --time-col`);
    }
    return ms;
  });
}

/**
 * The one CSV reader of Kinetic: the worker's CSV metrics source (metrics/csv-source.ts) and the
 * CLI's `loadSeries` (simulate, backtest, forecast) both parse here, look columns up here and read
 * timestamps here, so a file means the same thing to both. Plain code on purpose: parsing is the
 * part every read pays, it must keep the line number of each row for the error messages, and
 * danfojs' reader (papaparse with dynamic typing) turns cells into numbers and Dates and loses
 * both the original text and the line. danfojs does the data-frame work after this
 * (models/data/frames.ts: resampling to a step, gaps, aligning metrics on time).
 */

export interface CsvTable {
  file: string;
  /** Header names, unquoted and trimmed. */
  names: string[];
  /** Data rows (header excluded), cells unquoted and trimmed; a short row has `undefined` cells. */
  rows: string[][];
  /** 1-based line of the file each row starts on (header is line 1). */
  lines: number[];
}

/** Where a bad cell is, for the caller to word the error for its door (config key or CLI flag). */
export interface CellProblem {
  file: string;
  line: number;
  column: string;
  cell: string;
}

/**
 * Comma-separated with a header line. Quoted fields may hold commas, doubled quotes and newlines
 * (RFC 4180); trailing empty lines are dropped, blank lines inside the data are rows with empty
 * cells (a gap the caller decides about, not something to skip silently).
 */
export function parseCsvTable(text: string, file: string): CsvTable {
  const records: string[][] = [];
  const starts: number[] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        cell += c;
      }
    } else if (c === '"' && cell.trim() === '') {
      quoted = true;
      cell = '';
    } else if (c === ',') {
      row.push(cell.trim());
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell.trim());
      records.push(row);
      starts.push(rowLine);
      row = [];
      cell = '';
      line++;
      rowLine = line;
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell.trim());
    records.push(row);
    starts.push(rowLine);
  }
  while (records.length > 0 && records[records.length - 1].every((c) => c === '')) {
    records.pop();
    starts.pop();
  }
  const names = (records.shift() ?? []).map((h) => h.replace(/^\uFEFF/, ''));
  starts.shift();
  return { file, names, rows: records, lines: starts };
}

/** Index of a named column, -1 when the header lacks it. */
export function columnIndex(table: CsvTable, name: string): number {
  return table.names.indexOf(name);
}

/** A cell as a number: NaN for an empty cell or "NaN", undefined when it is text that is not a number. */
export function numberCell(cell: string | undefined): number | undefined {
  if (cell === undefined || cell === '' || /^nan$/i.test(cell)) return NaN;
  const v = Number(cell);
  return Number.isFinite(v) ? v : undefined;
}

/**
 * A cell as epoch milliseconds: ISO 8601 (a missing zone means UTC, as NAB and most exports mean
 * it; "2014-07-01 00:00:00" is accepted), or epoch seconds / milliseconds. NaN when it is none.
 */
export function timeCell(cell: string | undefined): number {
  if (cell === undefined || cell === '') return NaN;
  if (/^-?\d+(\.\d+)?$/.test(cell)) {
    const n = Number(cell);
    return n > 1e11 ? n : n * 1000;
  }
  const iso = cell.replace(' ', 'T');
  const ms = Date.parse(/[zZ]$|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
  return Number.isNaN(ms) ? Date.parse(cell) : ms;
}

/**
 * Numbers of one column. `emptyIsGap`: empty/NaN cells become NaN (the CLI interpolates them);
 * otherwise they are bad cells like any non-number (the worker does not plan on guesses).
 */
export function numberColumn(table: CsvTable, index: number, emptyIsGap: boolean, bad: (p: CellProblem) => Error, from = 0): number[] {
  const out = new Array<number>(table.rows.length - from);
  for (let r = from; r < table.rows.length; r++) out[r - from] = numberAt(table, r, index, emptyIsGap, bad);
  return out;
}

/** One row's number (see numberColumn). */
export function numberAt(table: CsvTable, row: number, index: number, emptyIsGap: boolean, bad: (p: CellProblem) => Error): number {
  const v = numberCell(table.rows[row][index]);
  if (v === undefined || (!emptyIsGap && Number.isNaN(v))) throw bad(problem(table, row, index));
  return v;
}

/** Epoch ms of one column; any cell that is not a timestamp is a bad cell. */
export function timeColumn(table: CsvTable, index: number, bad: (p: CellProblem) => Error, from = 0): number[] {
  const out = new Array<number>(table.rows.length - from);
  for (let r = from; r < table.rows.length; r++) {
    const t = timeCell(table.rows[r][index]);
    if (!Number.isFinite(t)) throw bad(problem(table, r, index));
    out[r - from] = t;
  }
  return out;
}

function problem(table: CsvTable, r: number, index: number): CellProblem {
  return { file: table.file, line: table.lines[r], column: table.names[index], cell: table.rows[r][index] ?? '' };
}

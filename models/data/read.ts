import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DataInputError } from './errors';

/**
 * Raw readers: CSV with a header (parsed by danfojs), whitespace-separated numbers (a hand loop:
 * the NASA trace has 5M values and must load in about a second), and .tbz2 archives unpacked by
 * the system `tar` (Node's zlib cannot read bzip2).
 */

export interface RawColumns {
  /** Column name → cell values as read (numbers, strings or null for empty cells). */
  columns: Record<string, unknown[]>;
  names: string[];
}

/** Text of a file, unpacking .tbz2/.tar.bz2 archives (first member) through `tar -xjOf`. */
export function readText(file: string): string {
  if (!existsSync(file)) throw new DataInputError(`${file}: file not found; check the --data path`);
  if (/\.(tbz2|tar\.bz2|tbz)$/i.test(file)) {
    try {
      return execFileSync('tar', ['-xjOf', file], { maxBuffer: 1 << 30, encoding: 'utf8' });
    } catch (err) {
      throw new DataInputError(`${file}: could not unpack with 'tar -xjOf' (${(err as Error).message.split('\n')[0]}); check that it is a bzip2 tar and that tar and bzip2 are installed`);
    }
  }
  return readFileSync(file, 'utf8');
}

/**
 * CSV when the first line has a comma/semicolon, or when none of its tokens is a number (a
 * one-column header such as "value"). A stray word among numbers stays a numbers file, so the
 * error can point at the bad token.
 */
export function looksLikeCsv(text: string): boolean {
  const nl = text.indexOf('\n');
  const firstLine = text.slice(0, nl >= 0 ? nl : text.length);
  if (/[,;]/.test(firstLine)) return true;
  const tokens = firstLine.trim().split(/\s+/).filter(Boolean);
  return tokens.length > 0 && tokens.every((t) => Number.isNaN(Number(t)) && !/^nan$/i.test(t));
}

/**
 * Whitespace-separated numbers. Empty input and non-numeric tokens are reported with their
 * position so the user can find them; "NaN"/"nan" is accepted as a missing value.
 */
export function parseNumbers(text: string, file: string): number[] {
  const out: number[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    let c = text.charCodeAt(i);
    if (c === 10) line++;
    if (c <= 32) {
      i++;
      continue;
    }
    const start = i;
    // Fast path for plain non-negative integers (the NASA trace is all of them).
    let int = 0;
    let plain = true;
    while (i < n && (c = text.charCodeAt(i)) > 32) {
      if (c >= 48 && c <= 57) int = int * 10 + (c - 48);
      else plain = false;
      i++;
    }
    if (plain) {
      out.push(int);
      continue;
    }
    const token = text.slice(start, i);
    const v = /^nan$/i.test(token) ? NaN : Number(token);
    if (Number.isNaN(v) && !/^nan$/i.test(token)) {
      throw new DataInputError(`${file}: line ${line}, value #${out.length + 1} '${token.slice(0, 30)}' is not a number; the file must hold only numbers separated by whitespace (or be a CSV with a header line)`);
    }
    out.push(v);
  }
  return out;
}

/**
 * danfojs-node brings its own tfjs copy; when the GRU's tfjs is already loaded it re-registers
 * every kernel and prints hundreds of "already registered" warnings. Silence them while loading.
 */
function loadDanfo(): typeof import('danfojs-node') {
  const { warn, log } = console;
  console.warn = () => undefined;
  console.log = () => undefined;
  try {
    return require('danfojs-node') as typeof import('danfojs-node');
  } finally {
    console.warn = warn;
    console.log = log;
  }
}

/** CSV with a header row, parsed by danfojs (loaded lazily: it pulls in tfjs, ~4 s). */
export async function readCsv(file: string, text?: string): Promise<RawColumns> {
  // danfojs reads from a path; archive contents go through a temporary file.
  let path = file;
  let tmp: string | undefined;
  if (text !== undefined) {
    tmp = mkdtempSync(join(tmpdir(), 'kinetic-csv-'));
    path = join(tmp, basename(file).replace(/\.(tbz2|tar\.bz2|tbz)$/i, '') + '.csv');
    writeFileSync(path, text);
  }
  try {
    const dfd = loadDanfo();
    const df = await dfd.readCSV(path);
    const names = (df.columns as string[]).map(String);
    const columns: Record<string, unknown[]> = {};
    for (const name of names) columns[name] = df.column(name).values as unknown[];
    return { columns, names };
  } catch (err) {
    if (err instanceof DataInputError) throw err;
    throw new DataInputError(`${file}: could not parse as CSV (${(err as Error).message}); expected a header line and comma-separated columns`);
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { DataInputError } from './errors';

/**
 * Raw readers: whitespace-separated numbers (a hand loop: the NASA trace has 5M values and must
 * load in about a second) and .tbz2 archives unpacked by the system `tar` (Node's zlib cannot read
 * bzip2). CSV files go through the reader the worker uses too (csv-table.ts).
 */

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

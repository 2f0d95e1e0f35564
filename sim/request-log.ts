import { readText } from '../models/data/read';
import { SeriesInputError, splitCsvLine, type LoadedSeries } from './input';
import { parseTimestamp } from './timestamps';

/**
 * Request logs: one row per request with a timestamp column, counted into fixed buckets
 * (`--bucket 1m`). Buckets without requests inside the log's span count as 0 (an idle minute is
 * real demand of zero, not a gap). Bucket edges are aligned to the epoch so reruns agree.
 */
export function bucketTimestamps(timesMs: readonly number[], bucketSeconds: number): number[] {
  if (timesMs.length === 0) return [];
  const width = bucketSeconds * 1000;
  let first = Infinity;
  let last = -Infinity;
  for (const t of timesMs) {
    first = Math.min(first, t);
    last = Math.max(last, t);
  }
  const start = Math.floor(first / width);
  const counts = new Array<number>(Math.floor(last / width) - start + 1).fill(0);
  for (const t of timesMs) counts[Math.floor(t / width) - start]++;
  return counts;
}

export function readRequestLog(file: string, bucketSeconds: number, timeCol?: string): LoadedSeries {
  const lines = readText(file).split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new SeriesInputError(`--data: request log ${file} is empty; give one row per request`);
  let column = 0;
  let from = 0;
  if (Number.isNaN(parseTimestamp(splitCsvLine(lines[0])[0] ?? ''))) {
    // A first line that is not a timestamp is a header.
    const header = splitCsvLine(lines[0]);
    const name = timeCol ?? header.find((h) => /^(timestamp|time|date|datetime|ts)$/i.test(h));
    column = name === undefined ? -1 : header.indexOf(name);
    if (column < 0) {
      throw new SeriesInputError(`--time-col: request log ${file} has no ${name ? `column "${name}"` : 'timestamp column'}; name it with --time-col (columns: ${header.join(', ')})`);
    }
    from = 1;
  }
  const times: number[] = [];
  for (let i = from; i < lines.length; i++) {
    const cell = splitCsvLine(lines[i])[column] ?? '';
    const t = parseTimestamp(cell);
    if (Number.isNaN(t)) throw new SeriesInputError(`--data: row ${i + 1} of ${file} has "${cell}" as timestamp; use ISO 8601, "YYYY-MM-DD HH:MM:SS" or epoch seconds`);
    times.push(t);
  }
  return { values: bucketTimestamps(times, bucketSeconds), stepSeconds: bucketSeconds, column: 'requests', notes: [] };
}

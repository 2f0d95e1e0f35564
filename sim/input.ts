import { loadSeries, type AggFn } from '../models/data';

/**
 * Demand series for the simulator, read by the shared reader of models/data (CSV by column name,
 * whitespace numbers, .tbz2 via tar, gap filling, --agg), so `simulate` and `backtest` see the
 * same numbers for the same flags. Request logs are in request-log.ts.
 */
export interface SeriesReadOptions {
  valueCol?: string;
  timeCol?: string;
  agg?: number;
  aggFn?: AggFn;
  /** Raw step length when the file has no timestamps. */
  stepSeconds?: number;
}

export interface LoadedSeries {
  values: number[];
  /** Seconds per step after aggregation, when known. */
  stepSeconds?: number;
  column: string;
  notes: string[];
}

export class SeriesInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SeriesInputError';
  }
}

export async function readSeries(file: string, opts: SeriesReadOptions = {}): Promise<LoadedSeries> {
  const s = await loadSeries(file, { valueCol: opts.valueCol, timeCol: opts.timeCol, agg: opts.agg, aggFn: opts.aggFn, stepSeconds: opts.stepSeconds, minPoints: 2 });
  checkDemand(s.values, file);
  return { values: s.values, stepSeconds: s.stepSeconds, column: s.valueCol ?? 'values', notes: s.notes };
}

/** The simulator needs finite, non-negative demand at every step. */
export function checkDemand(values: readonly number[], file: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new SeriesInputError(`--data: step ${i} of ${file} has no value (${v}) after gap filling; fill the gap or choose another --agg`);
    if (v < 0) throw new SeriesInputError(`--data: step ${i} of ${file} is negative (${v}); demand must be >= 0`);
  }
}

/** Splits one CSV line (no quoted commas in request logs we read; quotes are stripped). */
export function splitCsvLine(line: string): string[] {
  return line.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
}

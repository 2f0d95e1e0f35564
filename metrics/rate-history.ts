import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensureTables, PostgresHandle, query, table } from '../store/postgres';
import { MetricGap, MetricSeries, MetricsInputError } from './contract';
import { readCsvValues } from './csv-source';

/**
 * Where the local pool's request-rate history is kept between worker restarts.
 * - `file` (`state.store: file`, one host): `<stateDir>/metrics/<service>-rps.csv`, one `rps`
 *   column, one row per scrape; the newest row is "now" (positions, no timestamps).
 * - `postgres` (`state.store: postgres`, many hosts): `<schema>.metrics_history`, one row per
 *   (service, metric, step start), keyed by that timestamp. Workers on several hosts scraping the
 *   same pool write the same step once (the first write wins), and a step nobody scraped is an
 *   explicit gap, not a shifted row.
 */
export interface RateHistory {
  readonly where: string;
  append(rate: number, at: number): Promise<void>;
  /** The newest samples, at most `points` steps, ending at the newest sample at or before `end`. */
  read(points: number, stepSeconds: number, end: Date): Promise<MetricSeries>;
}

export class FileRateHistory implements RateHistory {
  constructor(readonly where: string) {}

  /** One row per scrape: the CSV has no time column (the newest row is "now"). */
  async append(rate: number, _at?: number): Promise<void> {
    if (!existsSync(this.where)) {
      mkdirSync(dirname(this.where), { recursive: true });
      writeFileSync(this.where, 'rps\n');
    }
    appendFileSync(this.where, `${rate.toFixed(2)}\n`);
  }

  async read(points: number, stepSeconds: number, end: Date): Promise<MetricSeries> {
    let values: number[] = [];
    try {
      values = existsSync(this.where) ? readCsvValues({ path: this.where, valueColumn: 'rps', historyPoints: points }).values : [];
    } catch (e) {
      if (!(e instanceof MetricsInputError)) throw e; // a fresh file (header only) has no rows yet
    }
    return { start: end.getTime() - values.length * stepSeconds * 1000, stepSeconds, values, gaps: [] };
  }
}

const ddl = (t: string) => [
  `CREATE TABLE IF NOT EXISTS ${t} (
    service text NOT NULL,
    metric text NOT NULL,
    at timestamptz NOT NULL,
    value double precision NOT NULL,
    PRIMARY KEY (service, metric, at)
  )`,
];

export class PostgresRateHistory implements RateHistory {
  private readonly t: string;
  constructor(
    private readonly h: PostgresHandle,
    private readonly service: string,
    private readonly stepSeconds: number,
    private readonly metric = 'rps',
  ) {
    this.t = table(h, 'metrics_history');
  }

  get where(): string {
    return `${this.h.where} table ${this.t} (service ${this.service})`;
  }

  async append(rate: number, at: number): Promise<void> {
    await ensureTables(this.h, 'metrics_history', ddl(this.t));
    const step = this.stepSeconds * 1000;
    // Idempotent by (service, metric, step start): a retried or duplicate scrape writes nothing new.
    await query(this.h, `INSERT INTO ${this.t} (service, metric, at, value) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [
      this.service,
      this.metric,
      new Date(Math.floor(at / step) * step),
      rate,
    ]);
  }

  async read(points: number, stepSeconds: number, end: Date): Promise<MetricSeries> {
    await ensureTables(this.h, 'metrics_history', ddl(this.t));
    const rows = await query<{ at: Date; value: number }>(
      this.h,
      `SELECT at, value FROM ${this.t} WHERE service = $1 AND metric = $2 AND at <= $3 ORDER BY at DESC LIMIT $4`,
      [this.service, this.metric, end, points],
    );
    return onGrid(
      rows.reverse().map((r) => ({ at: r.at.getTime(), value: Number(r.value) })),
      points,
      stepSeconds,
    );
  }
}

/** Timestamped samples on a regular grid ending at the newest one; steps without a sample are NaN gaps. */
export function onGrid(samples: Array<{ at: number; value: number }>, points: number, stepSeconds: number): MetricSeries {
  const step = stepSeconds * 1000;
  if (samples.length === 0) return { start: 0, stepSeconds, values: [], gaps: [] };
  const newest = Math.floor(samples[samples.length - 1].at / step) * step;
  const oldest = Math.max(Math.floor(samples[0].at / step) * step, newest - (points - 1) * step);
  const n = Math.round((newest - oldest) / step) + 1;
  const values = new Array<number>(n).fill(NaN);
  for (const s of samples) {
    const i = Math.round((Math.floor(s.at / step) * step - oldest) / step);
    if (i >= 0 && i < n && Number.isNaN(values[i])) values[i] = s.value;
  }
  const gaps: MetricGap[] = [];
  values.forEach((v, i) => {
    if (!Number.isNaN(v)) return;
    const last = gaps[gaps.length - 1];
    if (last && last.index + last.length === i) last.length++;
    else gaps.push({ index: i, length: 1 });
  });
  return { start: oldest, stepSeconds, values, gaps };
}

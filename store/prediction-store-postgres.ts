import { ensureTables, PostgresHandle, query, table } from './postgres';
import type { CompactionResult, PredictionRecord, PredictionStore } from './prediction-store';

/**
 * Predictions in Postgres (`state.store: postgres`): `<schema>.predictions`, one row per
 * (service, id) with the time the forecast was made as a timestamp, so workers on any host append
 * idempotently (`ON CONFLICT DO NOTHING`) and reweighting reads them in time order.
 */

const ddl = (t: string) => [
  `CREATE TABLE IF NOT EXISTS ${t} (
    service text NOT NULL,
    id text NOT NULL,
    made_at timestamptz NOT NULL,
    record jsonb NOT NULL,
    written_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service, id)
  )`,
  `CREATE INDEX IF NOT EXISTS predictions_service_made_at ON ${t} (service, made_at)`,
];

export class PostgresPredictionStore implements PredictionStore {
  private readonly t: string;
  constructor(private readonly h: PostgresHandle) {
    this.t = table(h, 'predictions');
  }

  get where(): string {
    return `${this.h.where} table ${this.t}`;
  }

  private ready(): Promise<void> {
    return ensureTables(this.h, 'predictions', ddl(this.t));
  }

  async append(rec: PredictionRecord): Promise<boolean> {
    await this.ready();
    const rows = await query(this.h, `INSERT INTO ${this.t} (service, id, made_at, record) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING id`, [
      rec.service,
      rec.id,
      new Date(rec.madeAt),
      JSON.stringify(rec),
    ]);
    return rows.length === 1;
  }

  async forService(service: string): Promise<PredictionRecord[]> {
    await this.ready();
    const rows = await query<{ record: PredictionRecord }>(this.h, `SELECT record FROM ${this.t} WHERE service = $1 ORDER BY made_at, written_at, id`, [service]);
    return rows.map((r) => r.record);
  }

  async compact(service: string, opts: { evaluatedThrough: number; keepAfter: number }): Promise<CompactionResult> {
    await this.ready();
    const dropped = await query(this.h, `DELETE FROM ${this.t} WHERE service = $1 AND made_at <= $2 AND made_at < $3 RETURNING id`, [
      service,
      new Date(opts.evaluatedThrough),
      new Date(opts.keepAfter),
    ]);
    const [{ n }] = await query<{ n: string }>(this.h, `SELECT count(*) AS n FROM ${this.t} WHERE service = $1`, [service]);
    return { kept: Number(n), dropped: dropped.length, unreadable: 0 };
  }
}

import type { DecisionRecord } from '../../decision/record';
import { ensureTables, inTransaction, lockKey, PostgresHandle, query, table } from '../postgres';
import { canonicalJson, chainHash, GENESIS, StoredItem, verifyChain, VerifyReport } from './chain';
import type { AppendResult, AuditLog } from './contract';

/**
 * The Postgres sink (`state.audit: postgres`): table `<schema>.audit_log`, one row per decision
 * (`decision_id` unique, `seq` the primary key). An append takes the chain head inside a
 * transaction holding a transaction-level advisory lock (`pg_advisory_xact_lock`) keyed by the
 * schema, so writers on any number of hosts append one after another to one chain; the lock is
 * released by COMMIT/ROLLBACK (or the server when a connection dies), never left behind. The
 * record is stored as the canonical JSON that was hashed.
 */

const ddl = (t: string) => [
  `CREATE TABLE IF NOT EXISTS ${t} (
    seq bigint PRIMARY KEY CHECK (seq > 0),
    decision_id text NOT NULL UNIQUE,
    service text NOT NULL,
    outcome text,
    finished_at timestamptz,
    prev_hash text NOT NULL,
    hash text NOT NULL,
    record text NOT NULL,
    written_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX IF NOT EXISTS audit_log_service_seq ON ${t} (service, seq)`,
];

interface Row {
  seq: string;
  decision_id: string;
  service: string;
  prev_hash: string;
  hash: string;
  record: string;
}

export class PostgresAuditLog implements AuditLog {
  readonly sink = 'postgres' as const;
  private readonly t: string;
  constructor(private readonly h: PostgresHandle) {
    this.t = table(h, 'audit_log');
  }

  get location(): string {
    return `${this.h.where} table ${this.t}`;
  }

  private ready(): Promise<void> {
    return ensureTables(this.h, 'audit_log', ddl(this.t));
  }

  async append(record: DecisionRecord): Promise<AppendResult> {
    await this.ready();
    return inTransaction(this.h, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [lockKey(`kinetic-audit:${this.h.schema}`)]);
      const existing = await c.query<Row>(`SELECT seq, hash FROM ${this.t} WHERE decision_id = $1`, [record.id]);
      if (existing.rows[0]) return { written: false, seq: Number(existing.rows[0].seq), hash: existing.rows[0].hash, location: this.location };
      const head = (await c.query<Row>(`SELECT seq, hash FROM ${this.t} ORDER BY seq DESC LIMIT 1`)).rows[0];
      const seq = head ? Number(head.seq) + 1 : 1;
      const prevHash = head ? head.hash : GENESIS;
      const hash = chainHash(prevHash, seq, record);
      await c.query(
        `INSERT INTO ${this.t} (seq, decision_id, service, outcome, finished_at, prev_hash, hash, record) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [seq, record.id, record.service ?? '', record.outcome ?? null, timestamp(record.finishedAt), prevHash, hash, canonicalJson(record)],
      );
      return { written: true, seq, hash, location: this.location };
    });
  }

  async all(): Promise<DecisionRecord[]> {
    await this.ready();
    return (await query<Row>(this.h, `SELECT record FROM ${this.t} ORDER BY seq`)).map(parse);
  }

  async find(id: string): Promise<DecisionRecord | undefined> {
    await this.ready();
    const [row] = await query<Row>(this.h, `SELECT record FROM ${this.t} WHERE decision_id = $1`, [id]);
    return row ? parse(row) : undefined;
  }

  async forService(service: string): Promise<DecisionRecord[]> {
    await this.ready();
    return (await query<Row>(this.h, `SELECT record FROM ${this.t} WHERE service = $1 ORDER BY seq`, [service])).map(parse);
  }

  async verify(): Promise<VerifyReport> {
    await this.ready();
    const items: StoredItem[] = [];
    let after = 0;
    for (;;) {
      const rows = await query<Row>(this.h, `SELECT seq, decision_id, service, prev_hash, hash, record FROM ${this.t} WHERE seq > $1 ORDER BY seq LIMIT 1000`, [after]);
      for (const r of rows) items.push(toItem(r));
      if (rows.length < 1000) break;
      after = Number(rows[rows.length - 1].seq);
    }
    return verifyChain(items, 'postgres', this.location);
  }
}

/** finished_at is for queries only: a missing or malformed time must never stop the record from being written. */
function timestamp(iso: string | undefined): Date | null {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) ? new Date(t) : null;
}

function parse(row: Row): DecisionRecord {
  return JSON.parse(row.record) as DecisionRecord;
}

/**
 * A row as its readers see it: `find` and `forService` select by the decision_id and service
 * columns, so a column that disagrees with the hashed record counts as a change of the record.
 */
function toItem(r: Row): StoredItem {
  const where = `row seq ${r.seq}`;
  let record: DecisionRecord;
  try {
    record = JSON.parse(r.record) as DecisionRecord;
  } catch (e) {
    return { kind: 'unreadable', where, reason: (e as Error).message };
  }
  if (record.id !== r.decision_id || record.service !== r.service) record = { ...record, id: r.decision_id, service: r.service };
  return { kind: 'chained', where, seq: Number(r.seq), prevHash: r.prev_hash, hash: r.hash, record };
}

import type { DecisionRecord } from '../../decision/record';
import type { VerifyReport } from './chain';

/**
 * The audit log: one hash-chained record per finished decision (README "Audit log"). Two sinks
 * implement it — `file` (one host) and `postgres` (many hosts) — and `deps.ledger()` returns the
 * one `state.audit` names. Cooldown, scale-in stabilisation, the last committed decision, the
 * control loop, reweighting, chargeback and `kinetic explain`'s fallback all read it.
 */
export interface AuditLog {
  readonly sink: 'file' | 'postgres';
  /** Where the records live (a file path, or Postgres host/db + table), for messages. */
  readonly location: string;
  /**
   * Appends the record as the chain's next link unless one with the same decision id exists
   * (an activity retry writes nothing new). Resolves only once the record is durable
   * (fsync / committed); throws when it could not be written.
   */
  append(record: DecisionRecord): Promise<AppendResult>;
  /** Every record, oldest first. */
  all(): Promise<DecisionRecord[]>;
  find(id: string): Promise<DecisionRecord | undefined>;
  /** A service's records, oldest first. */
  forService(service: string): Promise<DecisionRecord[]>;
  /** Walks the whole chain; names the first broken or missing link. */
  verify(): Promise<VerifyReport>;
}

export interface AppendResult {
  /** False when the decision was already recorded (the existing link is returned). */
  written: boolean;
  seq: number;
  hash: string;
  location: string;
}

export type { AuditEntry, ChainBreak, VerifyReport } from './chain';

import { join } from 'node:path';
import { withFileLock } from './file-lock';
import { readJson, writeJsonAtomic } from './json-file';

/**
 * Budget state per pool: the committed monthly run-rate of each service, and the reservations
 * of decisions still running. Every operation is idempotent by decision id.
 */

export interface Reservation {
  decisionId: string;
  service: string;
  pool: string;
  monthly: number;
  at: string;
}

interface BudgetState {
  committed: Record<string, { service: string; pool: string; monthly: number; decisionId: string }>;
  reservations: Record<string, Reservation>;
  /** Ids already committed or released, so a late retry does not resurrect a reservation. */
  closed: Record<string, 'committed' | 'released'>;
}

const EMPTY: BudgetState = { committed: {}, reservations: {}, closed: {} };

export class BudgetLedger {
  private readonly file: string;
  constructor(stateRoot: string) {
    this.file = join(stateRoot, 'budget', 'state.json');
  }

  private update<T>(fn: (s: BudgetState) => T): T {
    return withFileLock(`${this.file}.lock`, () => {
      const state = readJson<BudgetState>(this.file, structuredClone(EMPTY));
      const result = fn(state);
      writeJsonAtomic(this.file, state);
      return result;
    });
  }

  snapshot(): BudgetState {
    return readJson<BudgetState>(this.file, structuredClone(EMPTY));
  }

  /** Committed run-rate and pending reservations of a pool, excluding one service / decision. */
  poolUsage(pool: string, excludeService: string, excludeDecision: string) {
    const s = this.snapshot();
    const committedOthers = Object.values(s.committed)
      .filter((c) => c.pool === pool && c.service !== excludeService)
      .reduce((a, c) => a + c.monthly, 0);
    const reservedOthers = Object.values(s.reservations)
      .filter((r) => r.pool === pool && r.decisionId !== excludeDecision)
      .reduce((a, r) => a + r.monthly, 0);
    return { committedOthers, reservedOthers };
  }

  /** Returns false if the decision was already closed (a retry after commit/release). */
  reserve(r: Reservation): boolean {
    return this.update((s) => {
      if (s.closed[r.decisionId]) return false;
      s.reservations[r.decisionId] = r;
      return true;
    });
  }

  /** Drops the reservation; true if one was held. */
  release(decisionId: string): boolean {
    return this.update((s) => {
      const had = decisionId in s.reservations;
      delete s.reservations[decisionId];
      if (!s.closed[decisionId]) s.closed[decisionId] = 'released';
      return had;
    });
  }

  /** Turns the reservation into the service's committed run-rate. */
  commit(decisionId: string): boolean {
    return this.update((s) => {
      const r = s.reservations[decisionId];
      if (!r) return false;
      s.committed[r.service] = { service: r.service, pool: r.pool, monthly: r.monthly, decisionId };
      delete s.reservations[decisionId];
      s.closed[decisionId] = 'committed';
      return true;
    });
  }

  reservationsOf(decisionId: string): Reservation | undefined {
    return this.snapshot().reservations[decisionId];
  }
}

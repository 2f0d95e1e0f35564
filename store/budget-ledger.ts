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

/** A budget alert that fired (once per node, threshold and month), and where it was delivered. */
export interface FiredAlert {
  key: string;
  nodeId: string;
  level: string;
  threshold: number;
  pct: number;
  amount: number;
  limit: number;
  message: string;
  firedAt: string;
  decisionId?: string;
  webhook?: { ok: boolean; detail: string };
}

export interface BudgetState {
  committed: Record<string, { service: string; pool: string; monthly: number; decisionId: string }>;
  reservations: Record<string, Reservation>;
  /** Ids already committed or released, so a late retry does not resurrect a reservation. */
  closed: Record<string, 'committed' | 'released'>;
  /** Alerts by key; a key present here never fires again. */
  alerts?: Record<string, FiredAlert>;
}

const EMPTY: BudgetState = { committed: {}, reservations: {}, closed: {}, alerts: {} };

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
    // A running decision's reservation stands in for its service's committed run-rate (never both).
    const reserving = new Set(Object.values(s.reservations).filter((r) => r.decisionId !== excludeDecision).map((r) => r.service));
    const committedOthers = Object.values(s.committed)
      .filter((c) => c.pool === pool && c.service !== excludeService && !reserving.has(c.service))
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

  /**
   * Projected spend, the shape the budget hierarchy checks: committed run-rates plus open
   * reservations, where a running decision's reservation (the service's run-rate after it)
   * replaces its service's committed run-rate rather than adding to it.
   */
  spend(): { committed: Record<string, number>; reservations: Array<{ decisionId: string; service: string; monthly: number }> } {
    const s = this.snapshot();
    const reserving = new Set(Object.values(s.reservations).map((r) => r.service));
    const committed: Record<string, number> = {};
    for (const c of Object.values(s.committed)) if (!reserving.has(c.service)) committed[c.service] = c.monthly;
    return { committed, reservations: Object.values(s.reservations).map((r) => ({ decisionId: r.decisionId, service: r.service, monthly: r.monthly })) };
  }

  /** Stores alerts not fired before and returns only those (a retry or a second decision fires nothing twice). */
  recordAlerts(alerts: FiredAlert[]): FiredAlert[] {
    if (alerts.length === 0) return [];
    return this.update((s) => {
      s.alerts ??= {};
      const fresh = alerts.filter((a) => !s.alerts![a.key]);
      for (const a of fresh) s.alerts[a.key] = a;
      return fresh;
    });
  }

  /** Notes how an alert's delivery went (the alert itself is already recorded). */
  markAlertDelivery(key: string, webhook: { ok: boolean; detail: string }): void {
    this.update((s) => {
      const a = s.alerts?.[key];
      if (a) a.webhook = webhook;
    });
  }

  firedAlertKeys(): Set<string> {
    return new Set(Object.keys(this.snapshot().alerts ?? {}));
  }

  reservationsOf(decisionId: string): Reservation | undefined {
    return this.snapshot().reservations[decisionId];
  }
}

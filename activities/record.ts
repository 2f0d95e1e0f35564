import type { DecisionRecord } from '../decision/record';
import type { ActivityDeps } from './deps';

/** Appends the finished decision to the audit ledger exactly once (idempotent by id). */
export function recordActivities(deps: ActivityDeps) {
  return {
    async recordDecision(record: DecisionRecord): Promise<{ written: boolean; file: string }> {
      const ledger = deps.ledger();
      const written = ledger.append(record);
      return { written, file: ledger.file };
    },
  };
}

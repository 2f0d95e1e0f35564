import type { DecisionRecord } from '../decision/record';
import type { AppendResult } from '../store/audit';
import type { ActivityDeps } from './deps';

/**
 * Appends the finished decision to the audit log exactly once (idempotent by id). Throws when the
 * sink cannot take it (Postgres down, disk full): the saga retries this step until it succeeds,
 * with the decision visibly in stage `record` meanwhile.
 */
export function recordActivities(deps: ActivityDeps) {
  return {
    async recordDecision(record: DecisionRecord): Promise<AppendResult> {
      return deps.ledger().append(record);
    },
  };
}

import type { DecisionRecord } from '../decision/record';
import type { AppendResult } from '../store/audit';
import type { ActivityDeps } from './deps';
import type { StateConfig } from '../config/schema';
import { redactDeep } from '../security/redact';

/**
 * Appends the finished decision (redacted) to the audit log exactly once (idempotent by id). Throws when the
 * sink cannot take it (Postgres down, disk full): the saga retries this step until it succeeds,
 * with the decision visibly in stage `record` meanwhile.
 */
export function recordActivities(deps: ActivityDeps) {
  return {
    /** `at`: the audit log the decision recorded at its start (no config read; absent from older decisions). */
    async recordDecision(record: DecisionRecord, at?: { state: StateConfig; stateRoot: string }): Promise<AppendResult> {
      // Last line of defence: whatever a step put in the record, no credential reaches the audit log.
      return deps.ledger(at).append(redactDeep(record));
    },
  };
}

import { ApplicationFailure } from '@temporalio/common';
import type { StateConfig } from '../config/schema';
import type { DecisionRecord } from '../decision/record';
import type { AppendResult } from '../store/audit';
import { BUDGET_COMMIT_FAILED } from '../workflows/definitions';
import { budgetActivities } from './budget';
import type { ActivityDeps } from './deps';
import { recordActivities } from './record';

type AuditAt = { state: StateConfig; stateRoot: string } | undefined;

/**
 * Saga change `merged-decision-steps`: a committed decision's budget commit and its audit record as
 * one local activity, one activation of the decision's workflow instead of two. The commit comes
 * first (the record says `committed`); a retry repeats both, and both are idempotent by decision id
 * (the authority's book, the audit log). A failed commit is typed BUDGET_COMMIT_FAILED, so the
 * saga tells it from a failed write (which it retries until written, the commit already done).
 */
export function commitAndRecordActivities(deps: ActivityDeps) {
  return { commitBudgetAndRecord: commitThenRecord(budgetActivities(deps).commitBudget, recordActivities(deps).recordDecision) };
}

/** The activity over its two parts (tests put a failing authority in for `commit`). */
export function commitThenRecord(
  commit: (input: { decisionId: string; root?: string }) => Promise<boolean>,
  write: (record: DecisionRecord, at?: AuditAt) => Promise<AppendResult>,
) {
  return async (record: DecisionRecord, at: AuditAt, budget: { root?: string }): Promise<AppendResult> => {
    try {
      await commit({ decisionId: record.id, root: budget.root });
    } catch (e) {
      // Only the type is ours; whether retrying can help stays the authority client's verdict.
      const refused = e instanceof ApplicationFailure && e.nonRetryable;
      const message = `budget commit failed: ${e instanceof Error ? e.message : String(e)}`;
      throw refused ? ApplicationFailure.nonRetryable(message, BUDGET_COMMIT_FAILED) : ApplicationFailure.retryable(message, BUDGET_COMMIT_FAILED);
    }
    return write(record, at);
  };
}

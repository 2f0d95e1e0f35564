/**
 * `kinetic decide`'s exit code per outcome, so scripts can tell "done as asked" from "not done".
 * A contract (README, "CLI reference"): codes are added, never reassigned without a version note.
 */
import type { DecisionOutcome } from '../decision/record';

/** 0 done as asked · 1 failed · 3 refused or not applied (nothing changed) · 4 changed and undone, or cancelled. */
export const DECIDE_EXIT_CODES: Record<DecisionOutcome, 0 | 1 | 3 | 4> = {
  committed: 0,
  'no-change': 0,
  'dry-run': 0,
  failed: 1,
  'compensation-failed': 1,
  'permission-denied': 1,
  'stale-metrics': 1,
  'policy-rejected': 3,
  'budget-rejected': 3,
  infeasible: 3,
  'approval-rejected': 3,
  'approval-timeout': 3,
  're-proposed': 3,
  'rolled-back': 4,
  cancelled: 4,
};

/** The exit code of a finished decision (an outcome this version does not know counts as failed). */
export function decideExitCode(outcome: DecisionOutcome | undefined): number {
  return (outcome && DECIDE_EXIT_CODES[outcome]) ?? 1;
}

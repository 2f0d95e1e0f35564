import { patched } from '@temporalio/workflow';

/**
 * Which versioned changes a decision runs with, decided in its first workflow task.
 *
 * A decision started by this code records one marker, `SAGA_CHANGES_AT_START_PATCH`, before its
 * first step and has every change in `CHANGES_AT_START`. A decision started by older code has no
 * such marker: it asks `patched` for each change where older code always did, so its history
 * replays unchanged.
 *
 * Why at the start, not where each change is used: with Temporal's TypeScript SDK 1.24, a Query
 * answered while a local activity runs can close the workflow task with that activity's result
 * recorded but not yet given to the workflow. A `patched` call right after the activity then
 * writes its marker into the *next* task, while replay hands the result over one task earlier and
 * asks `patched` before that marker is known: the history no longer replays (TMPRL1100
 * "Non-deprecated patch marker encountered …"). Reproduced with the saga while `kinetic status`
 * polled, and with a three-step toy workflow (45 of 60 runs unreplayable; 0 of 60 with the
 * markers written first). A marker written before the first activity cannot be split from it.
 *
 * A later change adds its id to `LATER_CHANGES`: `sagaChanges()` asks `patched(id)` for it there, eagerly.
 * A change to activity options only (timeouts, retry policy) needs no marker: replay matches a
 * scheduled activity by type and id, not by its options (the saga-replay tests replay histories
 * recorded with the older options), and a marker costs every decision a history event.
 */
export const SAGA_CHANGES_AT_START_PATCH = 'saga-changes-decided-at-start';

/** Ids of the changes a decision started with `SAGA_CHANGES_AT_START_PATCH` has, in the order they were made. */
export const CHANGES_AT_START = [
  'decision-input-validated-first',
  'approvals-authenticated-and-recorded',
  'compensation-uses-recorded-context',
  'budget-step-returns-final-approval',
  'approved-plan-rechecked-before-apply',
  'approved-plan-budget-rechecked',
  'compensation-failed-waits-for-operator',
  'stale-metrics-outcome',
  'record-step-retries-until-written',
  // New with the marker (no older decision has it): an answer sent while the decision is not
  // waiting for approval is judged and recorded by the handler instead of refused unrecorded by
  // the validator.
  'answers-recorded-at-any-stage',
] as const;

/**
 * Changes made after the marker: each is its own `patched(id)`, asked eagerly in `sagaChanges()`
 * (still before any step), so decisions started before the change replay without it.
 */
export const LATER_CHANGES = [
  // Issues 18 and 12, one marker (each marker costs a history event and a visibility write):
  // - the workflow sets its own search attributes (service, decision id) and memo at start when its
  //   starter did not, so decisions started by any SDK or by `temporal workflow start` list like
  //   native ones;
  // - KineticStage is written when the decision waits outside its workflow task (provision, verify,
  //   approval, compensation, operator, a failing audit write) and at the end, not at every step:
  //   3 stage writes per committed decision instead of 10.
  'workflow-sets-own-search-attributes',
  // Fewer local activities, each one activation of the decision fewer (issue 12's throughput):
  // plan, policy review and budget reservation as one (`planReviewAndReserve`), and a committed
  // decision's budget commit inside its record step (`commitBudgetAndRecord`).
  'merged-decision-steps',
] as const;

export type SagaChangeId = (typeof CHANGES_AT_START)[number] | (typeof LATER_CHANGES)[number];

export interface SagaChanges {
  /** Whether this decision runs with the change; for older decisions, asked at the change's own place. */
  has(id: SagaChangeId): boolean;
  /**
   * For a change that came with the marker: true only for decisions that recorded it. Never asks
   * `patched`, so it may be read anywhere, update validators included.
   */
  since(id: SagaChangeId): boolean;
}

/** Call first thing in the workflow, before any step, handler or other `patched` call. */
export function sagaChanges(): SagaChanges {
  const atStart = patched(SAGA_CHANGES_AT_START_PATCH);
  // Asked here, in order, never later: a marker written after a local activity breaks replay (above).
  const later = new Map<SagaChangeId, boolean>(LATER_CHANGES.map((id) => [id, patched(id)]));
  return {
    has: (id) => later.get(id) ?? (atStart || patched(id)),
    since: (id) => later.get(id) ?? atStart,
  };
}

/** Messages, ids and task queue of the budget authority, shared by the workflow, activities, CLI and client. */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { BudgetBookView, BudgetLimits, FiredAlert, ReserveRequest } from '../decision/budget-book';
import type { ReservedBudget } from '../decision/review';
import { DEFAULT_TASK_QUEUE } from './definitions';

export const reserveUpdate = defineUpdate<ReservedBudget, [ReserveRequest]>('reserve');
export const commitUpdate = defineUpdate<boolean, [{ decisionId: string }]>('commit');
export const releaseUpdate = defineUpdate<boolean, [{ decisionId: string }]>('release');
/** Fires thresholds crossed without a reservation (a new month, lowered limits): the scheduled report sends it. */
export const checkAlertsUpdate = defineUpdate<FiredAlert[], [BudgetLimits]>('checkAlerts');
export const budgetBookQuery = defineQuery<BudgetBookView>('budgetBook');
/** Does the reservation a decision holds still fit the limits the request carries now? (read-only) */
export const recheckReservationQuery = defineQuery<{ failures: string[] }, [ReserveRequest]>('recheckReservation');

/**
 * `budget-<root>`; a deployment on another task queue than the default keeps its own authorities
 * (`budget-<root>@<queue>`), run by its own workers.
 */
export function budgetAuthorityId(root: string, taskQueue: string): string {
  return taskQueue === DEFAULT_TASK_QUEUE ? `budget-${root}` : `budget-${root}@${taskQueue}`;
}

/**
 * Authorities run on their own task queue, polled by a small second worker in every Kinetic worker
 * process: a decision waiting in its (local) reserve step holds a workflow-task slot of the
 * decision queue, so an authority there could wait behind the very decisions waiting for it.
 */
export function budgetTaskQueue(taskQueue: string): string {
  return `${taskQueue}-budget`;
}

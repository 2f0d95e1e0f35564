/**
 * Talking to a budget authority (workflows/budget-authority.ts): every call is an Update-with-Start,
 * so the first use of a root starts its authority and later ones reach the running one. Used by the
 * saga's budget activities, the scheduled report, `kinetic budget report` and bench:budget.
 *
 * Calls are retried with jittered backoff, until their deadline, when the server turns an update
 * away for a reason that passes: more than `history.maxInFlightUpdates` (default 10) updates in
 * flight on the authority, or the authority continuing as new while the update waited (aborted).
 * Safe because update ids and the authority's book are keyed by decision id.
 */
import { Client, WithStartWorkflowOperation, WorkflowIdConflictPolicy } from '@temporalio/client';
import type { BudgetBookView, BudgetLimits, FiredAlert, ReserveRequest } from '../decision/budget-book';
import type { ReservedBudget } from '../decision/review';
import type { AuthorityOptions, budgetAuthority } from '../workflows/budget-authority';
import {
  budgetAuthorityId,
  budgetBookQuery,
  budgetTaskQueue,
  checkAlertsUpdate,
  commitUpdate,
  releaseUpdate,
  reserveUpdate,
} from '../workflows/budget-definitions';

/** How long a call keeps retrying transient refusals unless the caller sets a deadline. */
export const DEFAULT_CALL_MS = 30_000;

export interface CallOptions {
  /** Epoch ms after which a transient refusal is thrown instead of retried. */
  deadline?: number;
}

export class BudgetAuthorityClient {
  /** `taskQueue`: the deployment's decision task queue (the authority runs on `<queue>-budget`). */
  constructor(
    readonly client: Client,
    readonly taskQueue: string,
  ) {}

  workflowId(root: string): string {
    return budgetAuthorityId(root, this.taskQueue);
  }

  private startOp(root: string, options?: Partial<AuthorityOptions>) {
    return new WithStartWorkflowOperation<typeof budgetAuthority>('budgetAuthority', {
      workflowId: this.workflowId(root),
      taskQueue: budgetTaskQueue(this.taskQueue),
      args: [{ root, ...(options ? { options } : {}) }],
      // A running authority is used as it is (its args are ignored); a closed one is started afresh.
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    });
  }

  /** The update id makes a retried call attach to the first one instead of running again. */
  reserve(root: string, req: ReserveRequest, o: CallOptions = {}): Promise<ReservedBudget> {
    return persist(o, () => this.client.workflow.executeUpdateWithStart(reserveUpdate, { args: [req], updateId: `reserve/${req.decisionId}`, startWorkflowOperation: this.startOp(root) }));
  }

  commit(root: string, decisionId: string, o: CallOptions = {}): Promise<boolean> {
    return persist(o, () => this.client.workflow.executeUpdateWithStart(commitUpdate, { args: [{ decisionId }], updateId: `commit/${decisionId}`, startWorkflowOperation: this.startOp(root) }));
  }

  release(root: string, decisionId: string, o: CallOptions = {}): Promise<boolean> {
    return persist(o, () => this.client.workflow.executeUpdateWithStart(releaseUpdate, { args: [{ decisionId }], updateId: `release/${decisionId}`, startWorkflowOperation: this.startOp(root) }));
  }

  /** Fires thresholds crossed without a reservation (a new month, lowered limits); returns those it fired. */
  checkAlerts(root: string, limits: BudgetLimits, o: CallOptions = {}): Promise<FiredAlert[]> {
    return persist(o, () => this.client.workflow.executeUpdateWithStart(checkAlertsUpdate, { args: [limits], startWorkflowOperation: this.startOp(root) }));
  }

  /** Starts the authority with non-default options unless it runs already (tests, benchmarks, operators). */
  async start(root: string, options: Partial<AuthorityOptions>): Promise<void> {
    await this.client.workflow.start<typeof budgetAuthority>('budgetAuthority', {
      workflowId: this.workflowId(root),
      taskQueue: budgetTaskQueue(this.taskQueue),
      args: [{ root, options }],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    });
  }

  /** The book as the authority holds it (a Query: needs a Kinetic worker polling the budget queue). */
  book(root: string): Promise<BudgetBookView> {
    return this.client.workflow.getHandle(this.workflowId(root)).query(budgetBookQuery);
  }
}

/** gRPC codes of refusals that pass: RESOURCE_EXHAUSTED (too many updates in flight), UNAVAILABLE (update aborted by continue-as-new). */
const TRANSIENT_CODES = new Set([8, 14]);
const TRANSIENT_MESSAGE = /in-flight updates|update was aborted|workflow is closing/i;

/** True when the server refused for a reason that passes (checked along the error's cause chain). */
export function transientRefusal(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; details?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'number' && TRANSIENT_CODES.has(e.code)) return true;
    if (TRANSIENT_MESSAGE.test(`${String(e.message ?? '')} ${String(e.details ?? '')}`)) return true;
  }
  return false;
}

async function persist<T>(o: CallOptions, call: () => Promise<T>): Promise<T> {
  const deadline = o.deadline ?? Date.now() + DEFAULT_CALL_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      const left = deadline - Date.now();
      if (!transientRefusal(e) || left <= 0) throw e;
      // 20 ms doubling to 1 s, with jitter so refused callers do not return together.
      const wait = Math.min(1000, 20 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2);
      await new Promise((r) => setTimeout(r, Math.min(wait, left)));
    }
  }
}

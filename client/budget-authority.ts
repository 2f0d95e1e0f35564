/**
 * Talking to a budget authority (workflows/budget-authority.ts): every call is an Update-with-Start,
 * so the first use of a root starts its authority and later ones reach the running one. Used by the
 * saga's budget activities, the scheduled report, `kinetic budget report` and bench:budget.
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
  reserve(root: string, req: ReserveRequest): Promise<ReservedBudget> {
    return this.client.workflow.executeUpdateWithStart(reserveUpdate, { args: [req], updateId: `reserve/${req.decisionId}`, startWorkflowOperation: this.startOp(root) });
  }

  commit(root: string, decisionId: string): Promise<boolean> {
    return this.client.workflow.executeUpdateWithStart(commitUpdate, { args: [{ decisionId }], updateId: `commit/${decisionId}`, startWorkflowOperation: this.startOp(root) });
  }

  release(root: string, decisionId: string): Promise<boolean> {
    return this.client.workflow.executeUpdateWithStart(releaseUpdate, { args: [{ decisionId }], updateId: `release/${decisionId}`, startWorkflowOperation: this.startOp(root) });
  }

  /** Fires thresholds crossed without a reservation (a new month, lowered limits); returns those it fired. */
  checkAlerts(root: string, limits: BudgetLimits): Promise<FiredAlert[]> {
    return this.client.workflow.executeUpdateWithStart(checkAlertsUpdate, { args: [limits], startWorkflowOperation: this.startOp(root) });
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

/**
 * Talking to a budget authority (workflows/budget-authority.ts): every call is an Update of the
 * running authority; when it is not running (the first use of a root, or it was terminated) the
 * same Update goes again as an Update-with-Start, which starts it. Update-with-Start on every call
 * made the server check for a start each time (issue 12: the saga's throughput). Used by the
 * saga's budget activities, the scheduled report, `kinetic budget report` and bench:budget.
 *
 * Temporal admits at most `history.maxInFlightUpdates` (default 10) updates in flight per
 * workflow, and past that limit refusals and aborted updates make every caller slow. So each
 * process sends at most MAX_IN_FLIGHT_PER_PROCESS calls to one authority at a time (the others
 * queue here, in order), and refusals that still happen — several processes together over the
 * limit, the authority continuing as new while an update waited — are retried with jittered
 * backoff until the call's deadline. Safe because update ids and the book are keyed by decision id.
 */
import { Client, WithStartWorkflowOperation, WorkflowIdConflictPolicy, WorkflowNotFoundError } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { BudgetBookView, BudgetLimits, FiredAlert, ReserveRequest } from '../decision/budget-book';
import type { ReservedBudget } from '../decision/review';
import type { AuthorityOptions, budgetAuthority } from '../workflows/budget-authority';
import {
  budgetAuthorityId,
  budgetBookQuery,
  budgetTaskQueue,
  checkAlertsUpdate,
  commitUpdate,
  recheckReservationQuery,
  releaseUpdate,
  reserveUpdate,
} from '../workflows/budget-definitions';

/** How long a call keeps retrying transient refusals unless the caller sets a deadline. */
export const DEFAULT_CALL_MS = 30_000;

export interface CallOptions {
  /** Epoch ms after which a transient refusal is thrown instead of retried. */
  deadline?: number;
}

/** Two worker processes stay within the server's default of 10 in-flight updates per workflow. */
export const MAX_IN_FLIGHT_PER_PROCESS = 5;

/** A FIFO gate per authority workflow id, shared by every client in this process. */
class Gate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
const gates = new Map<string, Gate>();
function gateOf(workflowId: string): Gate {
  let g = gates.get(workflowId);
  if (!g) gates.set(workflowId, (g = new Gate(MAX_IN_FLIGHT_PER_PROCESS)));
  return g;
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

  /** One call through this process's gate for the authority, retried while refusals pass. */
  private send<T>(root: string, o: CallOptions, call: () => Promise<T>): Promise<T> {
    const deadline = o.deadline ?? Date.now() + DEFAULT_CALL_MS;
    return gateOf(this.workflowId(root)).run(() => {
      // Its caller has given up meanwhile (a step attempt that timed out): do not send it late.
      if (Date.now() >= deadline) return Promise.reject(new Error(`budget authority ${this.workflowId(root)}: call not sent, its deadline passed while ${MAX_IN_FLIGHT_PER_PROCESS} earlier calls of this process were in flight`));
      return persist({ deadline }, call);
    });
  }

  /**
   * The Update to the running authority, or, when none runs, the same Update with a start. The
   * update id makes a retried call attach to the first one instead of running again; an Update
   * refused as not found changed nothing, so sending it again with the start is safe.
   */
  private async update<Ret, Arg>(root: string, def: UpdateDefinition<Ret, [Arg]>, arg: Arg, updateId?: string): Promise<Ret> {
    try {
      return await this.client.workflow.getHandle(this.workflowId(root)).executeUpdate(def, { args: [arg], ...(updateId ? { updateId } : {}) });
    } catch (e) {
      if (!(e instanceof WorkflowNotFoundError)) throw e;
    }
    return this.client.workflow.executeUpdateWithStart(def, { args: [arg], ...(updateId ? { updateId } : {}), startWorkflowOperation: this.startOp(root) });
  }

  reserve(root: string, req: ReserveRequest, o: CallOptions = {}): Promise<ReservedBudget> {
    return this.send(root, o, () => this.update(root, reserveUpdate, req, `reserve/${req.decisionId}`));
  }

  commit(root: string, decisionId: string, o: CallOptions = {}): Promise<boolean> {
    return this.send(root, o, () => this.update(root, commitUpdate, { decisionId }, `commit/${decisionId}`));
  }

  release(root: string, decisionId: string, o: CallOptions = {}): Promise<boolean> {
    return this.send(root, o, () => this.update(root, releaseUpdate, { decisionId }, `release/${decisionId}`));
  }

  /** Fires thresholds crossed without a reservation (a new month, lowered limits); returns those it fired. */
  checkAlerts(root: string, limits: BudgetLimits, o: CallOptions = {}): Promise<FiredAlert[]> {
    return this.send(root, o, () => this.update(root, checkAlertsUpdate, limits));
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

  /** Whether the reservation `req.decisionId` holds still fits `req`'s limits (a Query: nothing changes). */
  recheck(root: string, req: ReserveRequest): Promise<{ failures: string[] }> {
    return this.client.workflow.getHandle(this.workflowId(root)).query(recheckReservationQuery, req);
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

import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { BudgetAuthorityClient } from '../../client/budget-authority';
import type { TestTemporal } from './temporal';

/** The budget authorities of the test's task queue (each test file has its own). */
export const authorityOf = (t: TestTemporal) => new BudgetAuthorityClient(t.client, t.taskQueue);

/** A root's book, as its authority holds it (a Query: call it while a worker runs). */
export const bookOf = (t: TestTemporal, root: string) => authorityOf(t).book(root);

export interface AppliedUpdate {
  name: string;
  arg: Record<string, unknown>;
  result: unknown;
}

/**
 * Every update a root's authority completed in its current run, in the order it applied them,
 * decoded from its history: tests check the budget invariants from this, not from the code that
 * enforces them. Also returns whether the run continued an earlier one (then updates before it
 * are in that run's history).
 */
export async function appliedUpdates(t: TestTemporal, root: string): Promise<{ updates: AppliedUpdate[]; continued: boolean }> {
  const history = await t.client.workflow.getHandle(authorityOf(t).workflowId(root)).fetchHistory();
  const decode = (p?: Payload[] | null) => (p?.[0] ? defaultPayloadConverter.fromPayload(p[0]) : undefined);
  const accepted = new Map<string, { name: string; arg: Record<string, unknown> }>();
  const updates: AppliedUpdate[] = [];
  for (const e of history.events ?? []) {
    const a = e.workflowExecutionUpdateAcceptedEventAttributes;
    if (a?.acceptedRequest?.meta?.updateId) {
      accepted.set(a.acceptedRequest.meta.updateId, { name: a.acceptedRequest.input!.name!, arg: decode(a.acceptedRequest.input!.args!.payloads) as Record<string, unknown> });
    }
    const c = e.workflowExecutionUpdateCompletedEventAttributes;
    if (c?.meta?.updateId && c.outcome?.success) updates.push({ ...accepted.get(c.meta.updateId)!, result: decode(c.outcome.success.payloads) });
  }
  const continued = !!history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
  return { updates, continued };
}

import { Context, log } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { CommittedRate } from '../decision/budget-book';
import { HOURS_PER_MONTH } from '../planning/budget';
import { budgetRoots, poolOf } from './budget-roots';
import type { ActivityDeps } from './deps';

export interface HolderState {
  decisionId: string;
  /** The decision may still commit or release (its run, or a reset of it, is running). */
  open: boolean;
  /** Why the reservation is orphaned, for the authority's record. */
  reason?: string;
}

/** What the budget authority asks of the outside world: its first run's seed, and the sweep. */
export function budgetAuthorityActivities(deps: ActivityDeps) {
  return {
    /**
     * Committed run-rates of the root's services on an authority's first start: each service's
     * newest committed decision in the audit log, at its plan's hourly cost × 730.5.
     */
    async seedBudgetBook(input: { root: string }): Promise<{ committed: Record<string, CommittedRate>; note: string }> {
      const cfg = deps.config();
      const services = budgetRoots(cfg).get(input.root) ?? [];
      const audit = deps.ledger();
      const committed: Record<string, CommittedRate> = {};
      for (const service of services) {
        const newest = (await audit.forService(service))
          .filter((r) => r.outcome === 'committed' && r.plan && r.finishedAt)
          .sort((a, b) => Date.parse(a.finishedAt!) - Date.parse(b.finishedAt!))
          .at(-1);
        if (!newest) continue;
        committed[service] = { service, pool: poolOf(cfg, service), monthly: newest.plan!.hourlyCostAfter * HOURS_PER_MONTH, decisionId: newest.id, at: newest.finishedAt! };
      }
      const n = Object.keys(committed).length;
      return { committed, note: `run-rates of ${n} of ${services.length} service(s) from their newest committed decision in the audit log` };
    },

    /** Is each reserving decision still running? Closed, reset-away and unknown runs are not. */
    async describeBudgetHolders(input: { holders: Array<{ decisionId: string; workflowId: string; runId: string }> }): Promise<HolderState[]> {
      const ctx = Context.current();
      const client = ctx.client;
      const out: HolderState[] = [];
      for (const h of input.holders) {
        ctx.heartbeat();
        try {
          const run = await client.workflow.getHandle(h.workflowId, h.runId).describe();
          if (run.status.name === 'RUNNING') {
            out.push({ decisionId: h.decisionId, open: true });
            continue;
          }
          // A reset continues the decision in a new run of the same workflow id, with the same memo.
          const latest = await client.workflow.getHandle(h.workflowId).describe();
          const carried = (latest.memo as { decisionId?: string } | undefined)?.decisionId === h.decisionId;
          if (latest.status.name === 'RUNNING' && carried) {
            out.push({ decisionId: h.decisionId, open: true });
            continue;
          }
          const closed = run.closeTime ? ` at ${run.closeTime.toISOString()}` : '';
          out.push({ decisionId: h.decisionId, open: false, reason: `decision workflow ${h.workflowId} (run ${h.runId}) ended ${run.status.name}${closed} without committing or releasing its reservation` });
        } catch (e) {
          if (notFound(e)) {
            out.push({ decisionId: h.decisionId, open: false, reason: `decision workflow ${h.workflowId} (run ${h.runId}) does not exist (or its history has expired)` });
          } else {
            // Anything else (the server busy, a transient error) says nothing about the decision:
            // keep its reservation, ask again at the next sweep, and let the other holders be judged.
            log.warn('budget sweep could not describe a holder; asking again at the next sweep', { decisionId: h.decisionId, workflowId: h.workflowId, error: String(e) });
            out.push({ decisionId: h.decisionId, open: true });
          }
        }
      }
      return out;
    },
  };
}

/**
 * The run does not exist: NOT_FOUND (the worker's client runs over the native connection, whose
 * errors may come as a bare gRPC code), or INVALID_ARGUMENT for a run id that is not one (no
 * decision ever had it).
 */
function notFound(e: unknown): boolean {
  for (let c = e as { code?: number; cause?: unknown } | undefined, depth = 0; c && depth < 4; c = c.cause as typeof c, depth++) {
    if (c instanceof WorkflowNotFoundError || c.code === 5 || c.code === 3) return true;
  }
  return false;
}

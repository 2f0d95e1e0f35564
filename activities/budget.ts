import { activityInfo, Context } from '@temporalio/activity';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { BudgetAuthorityClient } from '../client/budget-authority';
import { budgetTaskQueue } from '../workflows/budget-definitions';
import { serviceOfDecisionId } from '../client';
import type { DecisionContext } from '../decision/context';
import type { PlanSummary } from '../decision/plan';
import type { ApprovalRequirement, ReservedBudget } from '../decision/review';
import { budgetLimits, budgetRootOf } from './budget-roots';
import type { ActivityDeps } from './deps';

/**
 * The saga's budget steps, as thin adapters over the budget authority of the service's root
 * (workflows/budget-authority.ts): the authority checks every level and reserves in one step, and
 * its verdict and the final approval requirement come from decision/review there.
 *
 * `reserveBudget` (and the others) run as *local* activities of the decision: an Update (client/budget-authority.ts)
 * through the worker's own client (`Context.client`, the worker's connection and namespace). Each
 * attempt waits for the authority at most until shortly before the step's timeout, then fails
 * retryably with a message naming the authority; the saga's bounded retries repeat it, which is
 * safe because the update id and the authority's book are both keyed by decision id.
 */
export function budgetActivities(deps: ActivityDeps) {
  const authority = () => new BudgetAuthorityClient(Context.current().client, activityInfo().taskQueue);
  /**
   * Commit and release name the decision and, since issue 13, the root recorded at the decision's
   * start (no config read: a bad edit cannot block a release); without it the root follows from
   * the service's current config (decisions started by older code).
   */
  const rootOfDecision = (decisionId: string, root?: string) => root ?? budgetRootOf(deps.config(), serviceOfDecisionId(decisionId));

  return {
    /**
     * After a person approved a plan, does the reservation the decision holds still fit the
     * budgets as kinetic.yaml sets them now (a Query of the authority: nothing changes)? Returns
     * one message per budget it no longer fits. An unreadable kinetic.yaml cannot lower a limit:
     * then nothing is re-checked (the record's compensation never depends on it).
     */
    async recheckBudget(input: { decisionId: string; context: DecisionContext; plan: PlanSummary; approval: ApprovalRequirement }): Promise<{ failures: string[] }> {
      const { context: c, plan } = input;
      let cfg;
      try {
        cfg = deps.config();
      } catch {
        return { failures: [] };
      }
      const svc = cfg.services[c.service];
      if (!svc) return { failures: [] };
      const run = activityInfo().workflowExecution;
      const a = authority();
      const root = c.recorded?.budgetRoot ?? budgetRootOf(cfg, c.service);
      return a.recheck(root, {
        decisionId: input.decisionId,
        service: c.service,
        pool: svc.budget.pool ?? c.service,
        poolLimit: svc.budget.monthly,
        hourlyCostBefore: plan.hourlyCostBefore,
        hourlyCostAfter: plan.hourlyCostAfter,
        onExceed: svc.budget.onExceed,
        tags: svc.budget.tags ?? {},
        dryRun: false,
        approval: input.approval,
        ...budgetLimits(cfg),
        holder: { workflowId: run?.workflowId ?? '', runId: run?.runId ?? '' },
      });
    },
    async reserveBudget(input: {
      decisionId: string;
      context: DecisionContext;
      plan: PlanSummary;
      dryRun: boolean;
      /** The policy review's approval requirement; the result adds the budget's reasons to it. */
      approval: ApprovalRequirement;
    }): Promise<ReservedBudget> {
      const { context: c, plan } = input;
      const cfg = deps.config();
      const run = activityInfo().workflowExecution;
      if (!run) throw ApplicationFailure.nonRetryable('reserveBudget runs only as a step of a decision workflow', 'InvalidBudgetRequest');
      const a = authority();
      const root = budgetRootOf(cfg, c.service);
      return ask(a, root, 'reserve', (deadline) =>
        a.reserve(root, {
          decisionId: input.decisionId,
          service: c.service,
          pool: c.budgetPool,
          poolLimit: c.monthlyBudget,
          hourlyCostBefore: plan.hourlyCostBefore,
          hourlyCostAfter: plan.hourlyCostAfter,
          onExceed: c.budget.onExceed,
          tags: c.budget.tags,
          dryRun: input.dryRun,
          approval: input.approval,
          ...budgetLimits(cfg),
          holder: { workflowId: run.workflowId, runId: run.runId },
        }, { deadline }),
      );
    },
    async releaseBudget(input: { decisionId: string; root?: string }): Promise<boolean> {
      const a = authority();
      const root = rootOfDecision(input.decisionId, input.root);
      return ask(a, root, 'release', (deadline) => a.release(root, input.decisionId, { deadline }));
    },
    async commitBudget(input: { decisionId: string; root?: string }): Promise<boolean> {
      const a = authority();
      const root = rootOfDecision(input.decisionId, input.root);
      return ask(a, root, 'commit', (deadline) => a.commit(root, input.decisionId, { deadline }));
    },
  };
}

/** One call to the authority, bounded by the step's remaining time; a refused update is not retried. */
async function ask<T>(a: BudgetAuthorityClient, root: string, what: string, call: (deadline: number) => Promise<T>): Promise<T> {
  const info = activityInfo();
  const waitMs = Math.max(1000, (info.startToCloseTimeoutMs ?? 30_000) - 1000);
  const deadline = Date.now() + waitMs;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`budget authority ${a.workflowId(root)} did not answer ${what} within ${Math.round(waitMs / 1000)}s; is a Kinetic worker polling task queue ${budgetTaskQueue(a.taskQueue)}?`)),
      waitMs,
    );
  });
  try {
    return await Promise.race([call(deadline), late]);
  } catch (e) {
    if (e instanceof WorkflowUpdateFailedError) {
      throw ApplicationFailure.nonRetryable(`budget authority ${a.workflowId(root)} refused ${what}: ${e.cause?.message ?? e.message}`, 'InvalidBudgetRequest');
    }
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

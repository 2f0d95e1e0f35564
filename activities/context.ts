import type { ActivityDeps } from './deps';
import type { DecisionContext } from './types';

/** Reads the service's config, current capacity and decision history into one snapshot. */
export function contextActivities(deps: ActivityDeps) {
  return {
    async loadDecisionContext(input: { decisionId: string; service: string }): Promise<DecisionContext> {
      const svc = deps.service(input.service);
      const current = await deps.provisioner(input.service).current(input.service);
      const history = deps.ledger().forService(input.service).filter((r) => r.id !== input.decisionId);
      const committed = history.filter((r) => r.outcome === 'committed' && r.finishedAt);
      const last = committed[committed.length - 1];
      const maxWindow = Math.max(svc.scaleInStabilization, svc.cooldown) * 1000;
      const recentRecommendations = history
        .filter((r) => r.plan && !r.dryRun && r.finishedAt)
        .map((r) => ({ at: Date.parse(r.startedAt), target: r.plan!.to }))
        .filter((r) => r.at >= Date.now() - maxWindow);
      return {
        service: input.service,
        provisioner: svc.provisioner.type,
        metric: svc.metrics.metric,
        capacityPerInstance: svc.capacityPerInstance,
        targetUtilization: svc.targetUtilization,
        minInstances: svc.minInstances,
        maxInstances: svc.maxInstances,
        leadSeconds: svc.leadTime,
        intervalSeconds: svc.decisionInterval,
        cooldownSeconds: svc.cooldown,
        scaleInStabilizationSeconds: svc.scaleInStabilization,
        maxStepChange: svc.maxStepChange,
        hourlyPerInstance: svc.pricing.hourlyPerInstance,
        budgetPool: svc.budget.pool ?? input.service,
        monthlyBudget: svc.budget.monthly,
        approval: {
          autoApprove: svc.approval.autoApprove,
          approvers: svc.approval.approvers,
          timeoutSeconds: svc.approval.timeout,
        },
        current,
        lastCommittedAt: last?.finishedAt ? Date.parse(last.finishedAt) : undefined,
        lastCommittedId: last?.id,
        recentRecommendations,
      };
    },
  };
}

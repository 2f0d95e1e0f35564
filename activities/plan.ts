import { approvalRequirement, ApprovalRequirement } from '../planning/approval';
import { instancesNeeded } from '../planning/capacity';
import { evaluatePolicy, PolicyVerdict } from '../planning/policy';
import type { ForecastSummary, PlanSummary } from '../workflows/decision-types';
import type { DecisionContext } from './types';

/** Thin adapters over planning/: the math is pure, these only shape inputs and outputs. */
export function planActivities() {
  return {
    async planCapacity(input: { context: DecisionContext; forecast: ForecastSummary; targetOverride?: number }): Promise<PlanSummary> {
      const { context: c, forecast } = input;
      const from = c.current.total;
      const need = instancesNeeded({
        peakDemand: forecast.peakP90,
        capacityPerInstance: c.capacityPerInstance,
        targetUtilization: c.targetUtilization,
        minInstances: c.minInstances,
        maxInstances: c.maxInstances,
      });
      const to = input.targetOverride ?? need.target;
      const perInstance = c.capacityPerInstance * c.targetUtilization;
      const reason =
        input.targetOverride !== undefined
          ? `operator asked for ${input.targetOverride} instances (forecast alone would give ${need.target})`
          : `P90 peak ${forecast.peakP90.toFixed(2)} ${forecast.metric} / (${c.capacityPerInstance} × ${c.targetUtilization}) = ` +
            `${(forecast.peakP90 / perInstance).toFixed(2)} → ${need.needed} instances` +
            (need.clampedBy ? `, clamped to the ${need.clampedBy} of ${need.target}` : '');
      // Untiered services have one "default" tier; tiered allocation extends this map.
      const tiers: PlanSummary['tiers'] = {};
      for (const [tier, n] of Object.entries(c.current.tiers)) tiers[tier] = { from: n, to: 0 };
      const mainTier = Object.keys(c.current.tiers)[0] ?? 'default';
      tiers[mainTier] = { from: c.current.tiers[mainTier] ?? 0, to };
      return {
        from,
        to,
        direction: to > from ? 'out' : to < from ? 'in' : 'none',
        needed: need.needed,
        clampedBy: input.targetOverride !== undefined ? undefined : need.clampedBy,
        tiers,
        hourlyCostBefore: from * c.hourlyPerInstance,
        hourlyCostAfter: to * c.hourlyPerInstance,
        reason,
      };
    },

    async checkPolicy(input: { context: DecisionContext; plan: PlanSummary; now: number }): Promise<{ policy: PolicyVerdict; approval: ApprovalRequirement }> {
      const { context: c, plan } = input;
      const policy = evaluatePolicy({
        current: plan.from,
        target: plan.to,
        now: input.now,
        lastCommittedAt: c.lastCommittedAt,
        recentRecommendations: c.recentRecommendations,
        rules: {
          minInstances: c.minInstances,
          maxInstances: c.maxInstances,
          maxStepChange: c.maxStepChange,
          cooldownSeconds: c.cooldownSeconds,
          scaleInStabilizationSeconds: c.scaleInStabilizationSeconds,
        },
      });
      const approval = approvalRequirement(plan.from, plan.to, c.hourlyPerInstance, c.approval.autoApprove);
      return { policy, approval };
    },
  };
}

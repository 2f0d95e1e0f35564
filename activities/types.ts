import type { CapacityPlan, CapacityState } from '../provisioners/contract';
import type { Recommendation } from '../planning/policy';
import type { PlanSummary } from '../workflows/decision-types';

/** What the saga knows about a service when a decision starts (read once, recorded in history). */
export interface DecisionContext {
  service: string;
  provisioner: string;
  metric: string;
  capacityPerInstance: number;
  targetUtilization: number;
  minInstances: number;
  maxInstances: number;
  leadSeconds: number;
  intervalSeconds: number;
  cooldownSeconds: number;
  scaleInStabilizationSeconds: number;
  maxStepChange: number;
  hourlyPerInstance: number;
  budgetPool: string;
  monthlyBudget: number;
  approval: {
    autoApprove: { maxStepChange: number; maxHourlyCostIncrease: number; allowScaleIn: boolean };
    approvers: string[];
    timeoutSeconds: number;
  };
  current: CapacityState;
  /** Epoch ms when the last committed decision of this service finished. */
  lastCommittedAt?: number;
  lastCommittedId?: string;
  recentRecommendations: Recommendation[];
}

export function toCapacityPlan(decisionId: string, service: string, plan: PlanSummary): CapacityPlan {
  const tiers: Record<string, number> = {};
  for (const [tier, t] of Object.entries(plan.tiers)) tiers[tier] = t.to;
  return { decisionId, service, tiers, total: plan.to };
}

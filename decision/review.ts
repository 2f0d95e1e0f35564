/**
 * The review of a plan: the policy verdict, what is applied now (one stage of a staged scale-in),
 * and every reason a person must approve — the classic auto-approve bounds, the policy engine's
 * approval conditions, a template change and an exceeded budget with `onExceed: require-approval`.
 *
 * Two steps use it: the policy step (`reviewPlan`) and the budget step (`reviewBudget`), which
 * checks and reserves atomically and so returns the final approval requirement. The workflow takes
 * what they return.
 */
import { detectAnomalies } from '../planning/anomaly';
import { approvalRequirement } from '../planning/approval';
import { evaluatePolicies, type PolicyDecision, type TierCounts } from '../planning/policy-engine';
import { withBudgetReasons, type ApprovalRequirement } from './approval';
import type { DecisionContext } from './context';
import { direction, hourlyCost, type PlanSummary } from './plan';
import type { BudgetSummary, PolicySummary } from './record';

export type { ApprovalRequirement } from './approval';

/** The policy step's result (`checkPolicy`). */
export interface PlanReview {
  policy: PolicySummary;
  /** What this decision applies: the plan, or one stage of it when the policy stages a scale-in. */
  plan: PlanSummary;
  /** Every reason a person must approve, short of the budget's (the budget step adds those). */
  approval: ApprovalRequirement;
}

/** The budget's verdict on a plan and the decision's final approval requirement. */
export interface BudgetReview {
  allowed: boolean;
  message: string;
  /** Over a limit with `onExceed: require-approval`: why a person must approve. */
  approvalReasons?: string[];
  approval: ApprovalRequirement;
}

/** The budget step's result (`reserveBudget`): what the record keeps, and the final approval requirement. */
export interface ReservedBudget {
  budget: BudgetSummary;
  approval: ApprovalRequirement;
}

const counts = (plan: PlanSummary, side: 'from' | 'to'): TierCounts => ({
  total: plan[side],
  tiers: Object.fromEntries(Object.entries(plan.tiers).map(([k, t]) => [k, t[side]])),
});

export function reviewPlan(c: DecisionContext, plan: PlanSummary, now: number): PlanReview {
  const verdict = evaluatePolicies(c.policy, {
    now,
    current: counts(plan, 'from'),
    planned: counts(plan, 'to'),
    hourlyCostBefore: plan.hourlyCostBefore,
    hourlyCostAfter: plan.hourlyCostAfter,
    spotShare: plan.allocation?.spotShare ?? 0,
    lastCommittedAt: c.lastCommittedAt,
    lastScaleInAt: c.lastScaleInAt,
    recentRecommendations: c.recentRecommendations,
  });
  // The classic bounds judge the whole planned change; the engine's conditions judge the stage.
  const classic = approvalRequirement(plan.from, plan.to, plan.hourlyCostAfter - plan.hourlyCostBefore, c.approval.autoApprove);
  const reasons = [
    ...classic.reasons,
    ...verdict.approval.reasons.map((r) => `${r.id}: ${r.message}`),
    ...(plan.vertical ? [`approval:vertical-change: ${plan.vertical.summary}`] : []),
    ...anomalyReasons(c, plan, now),
  ];
  return {
    policy: { allowed: verdict.allowed, checks: verdict.checks },
    plan: verdict.allowed && verdict.staged ? stagedPlan(c, plan, verdict.staged) : plan,
    approval: { auto: reasons.length === 0, reasons },
  };
}

/**
 * The anomaly rules judge the whole planned change against the forecast (the plan's `needed`,
 * clamped like the forecast's own target) and the service's recent decisions from the audit log.
 */
function anomalyReasons(c: DecisionContext, plan: PlanSummary, now: number): string[] {
  if (!c.anomaly) return [];
  const forecastTarget = Math.min(c.maxInstances, Math.max(c.minInstances, plan.needed));
  const findings = detectAnomalies({ from: plan.from, to: plan.to, forecastTarget, maxInstances: c.maxInstances, now, history: c.anomaly.history }, c.anomaly.policy);
  return findings.map((f) => `${f.id}: ${f.message}`);
}

/** Gray scale-in: this decision applies one stage; a later decision continues after the observation period. */
function stagedPlan(c: DecisionContext, plan: PlanSummary, staged: NonNullable<PolicyDecision['staged']>): PlanSummary {
  const tiers: PlanSummary['tiers'] = {};
  for (const [k, t] of Object.entries(plan.tiers)) tiers[k] = { from: t.from, to: staged.stage.tiers[k] ?? t.to };
  return {
    ...plan,
    to: staged.stage.total,
    tiers,
    direction: direction(plan.from, staged.stage.total),
    hourlyCostAfter: hourlyCost(c, tiers),
    staged: { plannedTo: plan.to, remaining: staged.remaining, observationSeconds: staged.observationSeconds, message: staged.message },
    reason: `${plan.reason}; ${staged.message}`,
  };
}

export function reviewBudget(input: {
  /** Only the costs matter here (the budget authority sends no more). */
  plan: Pick<PlanSummary, 'hourlyCostBefore' | 'hourlyCostAfter'>;
  /** The pool's verdict and, with `budgets:` configured, the hierarchy's. */
  pool: { allowed: boolean; message: string };
  hierarchy?: { allowed: boolean; message: string };
  onExceed: 'reject' | 'require-approval';
  /** What the policy review requires. */
  approval: ApprovalRequirement;
}): BudgetReview {
  const { plan, pool, hierarchy } = input;
  const over = !pool.allowed || (hierarchy !== undefined && !hierarchy.allowed);
  // A change that lowers the bill is never blocked by a budget: scaling in is how you get back under it.
  const lowersCost = plan.hourlyCostAfter <= plan.hourlyCostBefore + 1e-9;
  const sendToPerson = over && !lowersCost && input.onExceed === 'require-approval';
  const message = [pool.message, hierarchy?.message].filter(Boolean).join('; ') +
    (over && lowersCost ? '; allowed because the change lowers the hourly cost' : '');
  const approvalReasons = sendToPerson ? [`budget: ${message} (budget.onExceed is require-approval)`] : undefined;
  return {
    allowed: !over || lowersCost || sendToPerson,
    message,
    approvalReasons,
    approval: withBudgetReasons(input.approval, approvalReasons),
  };
}

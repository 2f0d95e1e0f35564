/**
 * Re-checking a plan a person approved, before it is applied: while the decision waited the fleet
 * may have changed (another tool, an operator), the policy may now refuse it (a freeze window
 * opened), or the plan may simply be old. A plan that no longer fits is never applied blindly.
 * Pure and import-free (types only): it runs inside the workflow bundle.
 */
import type { PlanSummary } from './plan';

export interface RecheckInput {
  plan: Pick<PlanSummary, 'from' | 'to' | 'tiers'>;
  /** The fleet now, per tier, as the provisioner reports it. */
  fleet: { total: number; tiers: Record<string, number> };
  /** Epoch ms when the plan was made and now. */
  plannedAt: number;
  now: number;
  maxPlanAgeSeconds: number;
  /** Policy rules that fail now (id: message), empty when the policy still allows the plan. */
  policyFailures: string[];
  /** Budgets the held reservation no longer fits (limits lowered while waiting); absent in older decisions. */
  budgetFailures?: string[];
}

export interface RecheckVerdict {
  ok: boolean;
  /** Why the plan must be proposed again (`plan re-proposed: …`), one sentence per reason. */
  reasons: string[];
  fleetTotal: number;
  ageSeconds: number;
}

const tiersText = (t: Record<string, number>) => Object.entries(t).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => `${k}=${n}`).join(', ');

export function recheckApprovedPlan(i: RecheckInput): RecheckVerdict {
  const reasons: string[] = [];
  const planned: Record<string, number> = {};
  for (const [k, t] of Object.entries(i.plan.tiers)) if (t.from !== 0) planned[k] = t.from;
  const now: Record<string, number> = {};
  for (const [k, n] of Object.entries(i.fleet.tiers)) if (n !== 0) now[k] = n;
  const sameTiers = tiersText(planned) === tiersText(now);
  if (i.fleet.total !== i.plan.from) {
    reasons.push(`fleet changed from ${i.plan.from} to ${i.fleet.total} instances while waiting for approval`);
  } else if (!sameTiers) {
    reasons.push(`fleet changed from ${tiersText(planned)} to ${tiersText(now)} while waiting for approval`);
  }
  const ageSeconds = Math.max(0, Math.round((i.now - i.plannedAt) / 1000));
  if (ageSeconds > i.maxPlanAgeSeconds) {
    reasons.push(`the plan is ${ageSeconds}s old, older than approval.maxPlanAge (${i.maxPlanAgeSeconds}s)`);
  }
  if (i.policyFailures.length) reasons.push(`the policy no longer allows it: ${i.policyFailures.join('; ')}`);
  if (i.budgetFailures?.length) reasons.push(`the budget no longer allows it: ${i.budgetFailures.join('; ')}`);
  return { ok: reasons.length === 0, reasons, fleetTotal: i.fleet.total, ageSeconds };
}

/** The outcome reason of a re-proposed plan, with the new proposal (the same forecast from the fleet now). */
export function reproposalReason(v: RecheckVerdict, plan: Pick<PlanSummary, 'from' | 'to'>, proposal?: Pick<PlanSummary, 'from' | 'to'>): string {
  const next = proposal ? `new proposal ${proposal.from} → ${proposal.to}` : `the next decision plans from the fleet of ${v.fleetTotal}`;
  return `plan re-proposed: ${v.reasons.join('; ')}; the approved ${plan.from} → ${plan.to} was not applied, the reservation released; ${next} (the next decision plans it with a fresh forecast and asks again)`;
}

/**
 * How an operator's resolution of a `compensation-failed` decision settles its held reservation.
 * Import-free (types only): it runs inside the workflow bundle.
 */
import type { PlanSummary } from './plan';

/** True when the fleet runs exactly the plan's tiers: the change is in place and its run-rate is real. */
export function fleetRunsPlan(fleet: Record<string, number>, plan: Pick<PlanSummary, 'tiers'>): boolean {
  const tiers = new Set([...Object.keys(fleet), ...Object.keys(plan.tiers)]);
  return [...tiers].every((k) => (fleet[k] ?? 0) === (plan.tiers[k]?.to ?? 0));
}

/** The sentence the record and the CLI show. */
export function resolutionMessage(by: string, fleetTotal: number | undefined, budget: 'committed' | 'released' | 'none', planTo: number | undefined): string {
  const fleet = fleetTotal === undefined ? '' : ` with the fleet at ${fleetTotal} instances`;
  if (budget === 'committed') return `resolved by ${by}${fleet} (the plan's ${planTo}): reservation committed as the service's run-rate`;
  if (budget === 'released') return `resolved by ${by}${fleet}${planTo !== undefined ? ` (not the plan's ${planTo})` : ''}: reservation released`;
  return `resolved by ${by}${fleet}: no reservation was held`;
}

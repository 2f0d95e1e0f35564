/** Budget arithmetic: a plan's run-rate cost projected over a month, checked against a pool limit. */

/** Average hours in a month (365.25 × 24 / 12), the convention cloud bills use. */
export const HOURS_PER_MONTH = 730.5;

export function projectedMonthlyCost(instances: number, hourlyPerInstance: number): number {
  return instances * hourlyPerInstance * HOURS_PER_MONTH;
}

export interface BudgetCheckInput {
  pool: string;
  monthlyLimit: number;
  /** Projected monthly cost of this service after the decision. */
  projected: number;
  /** Committed run-rate of the other services in the pool. */
  committedOthers: number;
  /** Reservations held by other running decisions in the pool. */
  reservedOthers: number;
}

export interface BudgetVerdict {
  allowed: boolean;
  pool: string;
  limit: number;
  projectedTotal: number;
  message: string;
}

export function checkBudget(input: BudgetCheckInput): BudgetVerdict {
  const total = input.projected + input.committedOthers + input.reservedOthers;
  const allowed = total <= input.monthlyLimit + 1e-9;
  const money = (v: number) => v.toFixed(2);
  const parts = `this service ${money(input.projected)} + others ${money(input.committedOthers)} + pending ${money(input.reservedOthers)}`;
  return {
    allowed,
    pool: input.pool,
    limit: input.monthlyLimit,
    projectedTotal: total,
    message: allowed
      ? `projected ${money(total)}/month (${parts}) is within the ${input.pool} budget of ${money(input.monthlyLimit)}`
      : `projected ${money(total)}/month (${parts}) exceeds the ${input.pool} budget of ${money(input.monthlyLimit)}`,
  };
}

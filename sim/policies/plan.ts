import type { PolicyContext, PolicyResult, ScalingPolicy } from '../policy';

/**
 * A user's own schedule: one requested count per step, either for every step of the trace
 * (warm-up entries are ignored: the warm-up rule applies to every policy) or for the scored steps only.
 */
export function planPolicy(name: string, counts: readonly number[]): ScalingPolicy {
  return {
    name,
    async decide(ctx: PolicyContext): Promise<PolicyResult> {
      const n = ctx.demand.length;
      const scored = n - ctx.params.warmup;
      if (counts.length === n) return { decisions: counts.slice(ctx.params.warmup) };
      if (counts.length === scored) return { decisions: counts.slice() };
      throw new PlanLengthError(name, counts.length, n, scored);
    },
  };
}

export class PlanLengthError extends Error {
  constructor(name: string, got: number, n: number, scored: number) {
    super(
      `plan ${name}: has ${got} counts, but the trace has ${n} steps (${scored} scored); ` +
        `give one count per step for all ${n} steps or for the ${scored} scored steps`,
    );
    this.name = 'PlanLengthError';
  }
}

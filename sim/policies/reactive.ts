import type { PolicyContext, PolicyResult, ScalingPolicy } from '../policy';

/** Kubernetes HPA's tolerance: no change while the usage ratio is within ±10% of the target. */
export const HPA_TOLERANCE = 0.1;

export interface ReactiveOptions {
  /** Target utilisation U (0 < U ≤ 1). */
  targetUtilization?: number;
  /** Stabilisation window S: scale-down is limited to the max desired count of the last S decisions. */
  stabilizationSteps?: number;
}

/**
 * The HPA rule on the previous step's demand. The decision history starts empty at the warm-up
 * (warm-up counts are not decisions), and the window includes the current decision, so S = 1
 * means no stabilisation. Taking the max over the window is exactly "scale-up immediate,
 * scale-down limited": r_{t-1} is never below any desired count still in the window.
 */
export function reactivePolicy(opts: ReactiveOptions = {}): ScalingPolicy {
  const U = opts.targetUtilization ?? 0.75;
  const S = opts.stabilizationSteps ?? 5;
  return {
    name: 'reactive',
    async decide(ctx: PolicyContext): Promise<PolicyResult> {
      return { decisions: reactiveDecisions(ctx, U, S) };
    },
  };
}

export function reactiveDecisions(ctx: PolicyContext, U: number, S: number): number[] {
  const { demand, params } = ctx;
  const C = params.capacity;
  const W = params.warmup;
  const decisions: number[] = [];
  const desiredHistory: number[] = [];
  let previous = W > 0 ? Math.max(1, Math.ceil(demand[W - 1] / C)) : 1;
  for (let t = W; t < demand.length; t++) {
    const observed = t > 0 ? demand[t - 1] : 0;
    const ratio = observed / (previous * C * U);
    let desired = Math.abs(ratio - 1) <= HPA_TOLERANCE ? previous : Math.ceil(observed / (C * U));
    desired = Math.max(1, desired);
    desiredHistory.push(desired);
    let r = desired;
    for (let k = desiredHistory.length - S; k < desiredHistory.length; k++) {
      if (k >= 0) r = Math.max(r, desiredHistory[k]);
    }
    decisions.push(r);
    previous = r;
  }
  return decisions;
}

import { need } from '../fleet';
import type { PolicyContext, PolicyResult, ScalingPolicy } from '../policy';

/**
 * A fixed fleet sized for the peak need of the scored steps (hindsight): the classic
 * over-provisioning baseline a capacity planner would buy.
 */
export function staticPeakPolicy(): ScalingPolicy {
  return {
    name: 'static-peak',
    async decide(ctx: PolicyContext): Promise<PolicyResult> {
      const { demand, params } = ctx;
      let peak = 1;
      for (let t = params.warmup; t < demand.length; t++) peak = Math.max(peak, need(demand[t], params.capacity));
      return { decisions: new Array<number>(demand.length - params.warmup).fill(peak) };
    },
  };
}

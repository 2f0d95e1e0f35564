import { need } from '../fleet';
import type { PolicyContext, PolicyResult, ScalingPolicy } from '../policy';

/** Perfect foresight: r_t = max over k = 0 … B of need(d_{t+k}) (clipped at the end of the trace). */
export function oraclePolicy(): ScalingPolicy {
  return {
    name: 'oracle',
    async decide(ctx: PolicyContext): Promise<PolicyResult> {
      const { demand, params } = ctx;
      const decisions: number[] = [];
      for (let t = params.warmup; t < demand.length; t++) {
        let r = 1;
        for (let k = 0; k <= params.bootSteps && t + k < demand.length; k++) r = Math.max(r, need(demand[t + k], params.capacity));
        decisions.push(r);
      }
      return { decisions };
    },
  };
}

import type { FleetParams } from './fleet';

/** What a policy sees. Causal policies read only `demand[0 … t-1]` when deciding step t. */
export interface PolicyContext {
  demand: readonly number[];
  params: FleetParams;
  /** Step length in seconds, when known (used to pick daily/weekly seasons). */
  stepSeconds?: number;
}

/** The forecast a policy acted on, per scored step (for the report's band). */
export interface ForecastBand {
  point: number[];
  lower: number[];
  upper: number[];
}

export interface PolicyResult {
  /** Requested counts for the scored steps W … n-1. */
  decisions: number[];
  band?: ForecastBand;
  /** One line about what the policy did (model, refits, time). */
  note?: string;
}

export interface ScalingPolicy {
  readonly name: string;
  decide(ctx: PolicyContext): Promise<PolicyResult>;
}

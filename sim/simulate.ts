import { defaultWarmup, lowerBoundInstanceSteps, scoreFleet, withWarmup, type FleetParams, type FleetRun, type FleetScore } from './fleet';
import type { ForecastBand, ScalingPolicy } from './policy';

export interface SimulationInput {
  demand: readonly number[];
  capacity: number;
  bootSteps: number;
  /** Default: half the series. */
  warmup?: number;
  stepSeconds?: number;
  price?: number;
}

export interface PolicyOutcome extends FleetRun {
  band?: ForecastBand;
  note?: string;
  elapsedMs: number;
}

export interface SimulationResult {
  params: FleetParams;
  lowerBoundInstanceSteps: number;
  outcomes: Record<string, PolicyOutcome>;
}

/** The `--json` shape of `kinetic simulate` (README.md, "Architecture"): add fields, never rename. */
export interface SimulationJson {
  lowerBoundInstanceSteps: number;
  steps: number;
  scoredSteps: number;
  warmup: number;
  capacityPerInstance: number;
  bootSteps: number;
  policies: Record<string, FleetScore>;
}

export function fleetParams(input: SimulationInput): FleetParams {
  const warmup = input.warmup ?? defaultWarmup(input.demand.length);
  return { capacity: input.capacity, bootSteps: input.bootSteps, warmup };
}

export async function runPolicy(input: SimulationInput, policy: ScalingPolicy): Promise<PolicyOutcome> {
  const params = fleetParams(input);
  const started = Date.now();
  const result = await policy.decide({ demand: input.demand, params, stepSeconds: input.stepSeconds });
  const requested = withWarmup(input.demand, result.decisions, params);
  const run = scoreFleet(input.demand, requested, params, input.price);
  return { ...run, band: result.band, note: result.note, elapsedMs: Date.now() - started };
}

export async function simulate(input: SimulationInput, policies: readonly ScalingPolicy[]): Promise<SimulationResult> {
  const params = fleetParams(input);
  const outcomes: Record<string, PolicyOutcome> = {};
  for (const policy of policies) outcomes[policy.name] = await runPolicy(input, policy);
  return { params, lowerBoundInstanceSteps: lowerBoundInstanceSteps(input.demand, params), outcomes };
}

export function toJson(result: SimulationResult, steps: number): SimulationJson {
  const policies: Record<string, FleetScore> = {};
  for (const [name, o] of Object.entries(result.outcomes)) policies[name] = o.score;
  return {
    lowerBoundInstanceSteps: result.lowerBoundInstanceSteps,
    steps,
    scoredSteps: steps - result.params.warmup,
    warmup: result.params.warmup,
    capacityPerInstance: result.params.capacity,
    bootSteps: result.params.bootSteps,
    policies,
  };
}

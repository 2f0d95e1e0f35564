/**
 * The fleet simulator: the exact semantics of issue 6 (outside checks recompute them, so keep the
 * arithmetic plain: `Math.ceil(d / C)`, `d > ready * C`, sums in step order).
 *
 * - `r_t` is the requested count at the start of step t; before the warm-up W it is the need
 *   `max(1, ceil(d_t / C))` for every policy, from W on it comes from the policy.
 * - `ready_t = min(r_t, r_{t-1}, …, r_{t-B})` (indices below 0 are skipped).
 * - Scoring covers steps W … n-1 only.
 */

export interface FleetParams {
  /** Capacity of one instance per step, in demand units. */
  capacity: number;
  /** Boot delay B in steps. */
  bootSteps: number;
  /** First scored step W. */
  warmup: number;
}

export interface FleetScore {
  instanceSteps: number;
  ratioToLowerBound: number;
  underProvisionedSteps: number;
  slaViolationPct: number;
  unservedPct: number;
  wastePct: number;
  scaleEvents: number;
  /** Present when a price per instance-step was given. */
  cost?: number;
}

export interface FleetRun {
  score: FleetScore;
  /** Requested counts for every step (warm-up included). */
  requested: number[];
  /** Ready counts for every step. */
  ready: number[];
  /** True where d_t > ready_t · C. */
  underProvisioned: boolean[];
}

/** The need of one step: `max(1, ceil(d / C))`. */
export function need(demand: number, capacity: number): number {
  return Math.max(1, Math.ceil(demand / capacity));
}

/** Default warm-up: half the series. */
export function defaultWarmup(length: number): number {
  return Math.floor(length / 2);
}

export function lowerBoundInstanceSteps(demand: ArrayLike<number>, params: FleetParams): number {
  let sum = 0;
  for (let t = params.warmup; t < demand.length; t++) sum += need(demand[t], params.capacity);
  return sum;
}

/** Ready count at step t: the minimum of the last B+1 requests (the newest instances are still booting). */
export function readyCounts(requested: readonly number[], bootSteps: number): number[] {
  const ready = new Array<number>(requested.length);
  for (let t = 0; t < requested.length; t++) {
    let m = requested[t];
    for (let k = 1; k <= bootSteps && t - k >= 0; k++) m = Math.min(m, requested[t - k]);
    ready[t] = m;
  }
  return ready;
}

/**
 * Scores a full request series (length n, warm-up included as given; see `withWarmup`).
 * `price` (per instance-step) adds `cost`.
 */
export function scoreFleet(
  demand: ArrayLike<number>,
  requested: readonly number[],
  params: FleetParams,
  price?: number,
): FleetRun {
  const n = demand.length;
  if (requested.length !== n) throw new Error(`requested has ${requested.length} steps, demand ${n}`);
  const { capacity: C, warmup: W } = params;
  const ready = readyCounts(requested, params.bootSteps);
  const underProvisioned = new Array<boolean>(n).fill(false);
  let instanceSteps = 0;
  let under = 0;
  let unserved = 0;
  let demandSum = 0;
  let served = 0;
  let scaleEvents = 0;
  for (let t = W; t < n; t++) {
    const d = demand[t];
    const cap = ready[t] * C;
    instanceSteps += requested[t];
    if (d > cap) {
      under++;
      underProvisioned[t] = true;
    }
    unserved += Math.max(0, d - cap);
    demandSum += d;
    served += Math.min(d, cap);
    if (t > 0 && requested[t] !== requested[t - 1]) scaleEvents++;
  }
  const scored = n - W;
  const lowerBound = lowerBoundInstanceSteps(demand, params);
  const score: FleetScore = {
    instanceSteps,
    ratioToLowerBound: lowerBound > 0 ? instanceSteps / lowerBound : 0,
    underProvisionedSteps: under,
    slaViolationPct: scored > 0 ? (under / scored) * 100 : 0,
    unservedPct: demandSum > 0 ? (unserved / demandSum) * 100 : 0,
    wastePct: instanceSteps > 0 ? 100 * (1 - served / (instanceSteps * C)) : 0,
    scaleEvents,
  };
  if (price !== undefined) score.cost = instanceSteps * price;
  return { score, requested: requested.slice(), ready, underProvisioned };
}

/** Builds the full request series: the warm-up need before W, then the policy's decisions. */
export function withWarmup(demand: ArrayLike<number>, decisions: readonly number[], params: FleetParams): number[] {
  const n = demand.length;
  if (decisions.length !== n - params.warmup) {
    throw new Error(`policy returned ${decisions.length} decisions for ${n - params.warmup} scored steps`);
  }
  const requested = new Array<number>(n);
  for (let t = 0; t < params.warmup; t++) requested[t] = need(demand[t], params.capacity);
  for (let t = params.warmup; t < n; t++) requested[t] = decisions[t - params.warmup];
  return requested;
}

import { applyFloor, hedge, type HedgeOptions, type Observation, type Weights } from './hedge';

/**
 * Hedge weights per lead-time bucket. One vector for every lead is a compromise: models that
 * follow the newest level tend to win at short leads, seasonal ones at long leads. The leads are
 * grouped into doubling buckets 1, 2–3, 4–6, 7–12, 13–24, … (chosen on development origins over
 * one vector per lead, whose buckets see too few points; BENCHMARKS.md "Hedge weights per lead
 * time"), and each bucket's Hedge learns only from the realised points of its own leads.
 * Pure: no I/O, no Temporal.
 */

/** A realised point and what each model had predicted for it `lead` steps ahead (lead 1 = the next step). */
export interface LeadObservation extends Observation {
  lead: number;
}

/** The weights the combination uses for leads fromLead … toLead. */
export interface LeadBucketWeights {
  fromLead: number;
  toLead: number;
  weights: Weights;
}

/** The bucket holding `lead` (an integer ≥ 1): 1, 2–3, 4–6, 7–12, 13–24, … */
export function leadBucket(lead: number): { fromLead: number; toLead: number } {
  if (!(Number.isInteger(lead) && lead >= 1)) throw new RangeError(`lead must be an integer >= 1, got ${lead}`);
  if (lead === 1) return { fromLead: 1, toLead: 1 };
  let to = 3;
  while (lead > to) to *= 2;
  return { fromLead: to === 3 ? 2 : to / 2 + 1, toLead: to };
}

/** The weights for `lead`: its bucket's, or `pooled` (one vector for every lead) when the bucket has none yet. */
export function weightsForLead(byLead: readonly LeadBucketWeights[] | undefined, pooled: Weights, lead: number): Weights {
  return byLead?.find((b) => lead >= b.fromLead && lead <= b.toLead)?.weights ?? pooled;
}

/**
 * One Hedge run per bucket, each on the observations of its leads only (same η, floor and
 * scaling as `hedge()`). A bucket seen for the first time starts from `pooled` (a record written
 * before per-lead weights, or equal weights); buckets without new observations are kept (floored).
 */
export function hedgeByLead(
  start: readonly LeadBucketWeights[] | undefined,
  pooled: Weights,
  models: readonly string[],
  observations: readonly LeadObservation[],
  opts: HedgeOptions,
): LeadBucketWeights[] {
  const groups = new Map<number, { fromLead: number; toLead: number; start: Weights; obs: LeadObservation[] }>();
  for (const b of start ?? []) groups.set(b.fromLead, { fromLead: b.fromLead, toLead: b.toLead, start: b.weights, obs: [] });
  for (const o of observations) {
    const b = leadBucket(o.lead);
    let g = groups.get(b.fromLead);
    if (!g) groups.set(b.fromLead, (g = { ...b, start: pooled, obs: [] }));
    g.obs.push(o);
  }
  return [...groups.values()]
    .sort((a, b) => a.fromLead - b.fromLead)
    .map((g) => ({ fromLead: g.fromLead, toLead: g.toLead, weights: g.obs.length ? hedge(g.start, models, g.obs, opts).weights : applyFloor(g.start, models, opts.weightFloor) }));
}

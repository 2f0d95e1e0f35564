import { describe, expect, it } from 'vitest';
import { hedge } from '../../learning/hedge';
import { hedgeByLead, leadBucket, weightsForLead, type LeadObservation } from '../../learning/lead-hedge';

// η = ln 4 and a scaled loss of 1 multiply a model's weight by 1/4; no floor, so the numbers are exact.
const opts = { learningRate: Math.log(4), underForecastPenalty: 1, weightFloor: 0 };
const models = ['a', 'b'];
const equal = { a: 0.5, b: 0.5 };

describe('lead buckets', () => {
  it('groups leads 1, 2–3, 4–6, 7–12, 13–24', () => {
    const cases: Array<[number, number, number]> = [
      [1, 1, 1],
      [2, 2, 3],
      [3, 2, 3],
      [4, 4, 6],
      [6, 4, 6],
      [7, 7, 12],
      [12, 7, 12],
      [13, 13, 24],
      [24, 13, 24],
      [25, 25, 48],
    ];
    for (const [lead, fromLead, toLead] of cases) expect(leadBucket(lead), `lead ${lead}`).toEqual({ fromLead, toLead });
  });

  it('refuses a lead that is not a whole number of steps ahead', () => {
    expect(() => leadBucket(0)).toThrow(/lead must be an integer >= 1, got 0/);
    expect(() => leadBucket(1.5)).toThrow(/got 1.5/);
    expect(() => leadBucket(NaN)).toThrow(/got NaN/);
  });
});

describe('Hedge per lead bucket', () => {
  it('learns a different winner per bucket where pooled Hedge sees a tie', () => {
    // Lead 1: a is right, b is 10 off (scaled loss 1). Lead 5: the other way round.
    const obs: LeadObservation[] = [
      { actual: 10, predicted: { a: 10, b: 0 }, lead: 1 },
      { actual: 10, predicted: { a: 0, b: 10 }, lead: 5 },
    ];
    const byLead = hedgeByLead(undefined, equal, models, obs, opts);
    // From 1/2, 1/2: the loser × 1/4 → 0.5 : 0.125 = 0.8 : 0.2.
    expect(byLead).toHaveLength(2);
    expect(byLead[0]).toMatchObject({ fromLead: 1, toLead: 1 });
    expect(byLead[0].weights.a).toBeCloseTo(0.8, 12);
    expect(byLead[0].weights.b).toBeCloseTo(0.2, 12);
    expect(byLead[1]).toMatchObject({ fromLead: 4, toLead: 6 });
    expect(byLead[1].weights.a).toBeCloseTo(0.2, 12);
    expect(byLead[1].weights.b).toBeCloseTo(0.8, 12);
    // One vector for both leads: each model lost once, so it stays at 1/2 each.
    const pooled = hedge(equal, models, obs, opts).weights;
    expect(pooled.a).toBeCloseTo(0.5, 12);
  });

  it('starts a new bucket from the pooled vector and keeps buckets without new points', () => {
    const start = [{ fromLead: 1, toLead: 1, weights: { a: 0.8, b: 0.2 } }];
    const pooled = { a: 0.9, b: 0.1 };
    // Lead 3, b is 10 off: bucket 2–3 starts at 0.9 : 0.1 → 0.9 : 0.025.
    const byLead = hedgeByLead(start, pooled, models, [{ actual: 10, predicted: { a: 10, b: 0 }, lead: 3 }], opts);
    expect(byLead.map((b) => [b.fromLead, b.toLead])).toEqual([
      [1, 1],
      [2, 3],
    ]);
    expect(byLead[0].weights).toEqual({ a: 0.8, b: 0.2 });
    expect(byLead[1].weights.a).toBeCloseTo(0.9 / 0.925, 12);
    expect(byLead[1].weights.b).toBeCloseTo(0.025 / 0.925, 12);
  });

  it('gives each bucket only the observations of its leads (same result as hedge() on that subset)', () => {
    const obs: LeadObservation[] = [];
    for (let i = 0; i < 40; i++) for (const lead of [1, 2, 3, 7]) obs.push({ actual: 50 + i, predicted: { a: 50 + i + lead, b: 48 + i * (lead % 2) }, lead });
    const real = { learningRate: 0.5, underForecastPenalty: 1, weightFloor: 0.02 };
    const byLead = hedgeByLead(undefined, equal, models, obs, real);
    const only = (leads: number[]) => hedge(equal, models, obs.filter((o) => leads.includes(o.lead)), real).weights;
    expect(byLead.map((b) => b.weights)).toEqual([only([1]), only([2, 3]), only([7])]);
  });

  it('uses the bucket holding a lead, or the pooled vector where there is none', () => {
    const byLead = [
      { fromLead: 1, toLead: 1, weights: { a: 1, b: 0 } },
      { fromLead: 4, toLead: 6, weights: { a: 0, b: 1 } },
    ];
    expect(weightsForLead(byLead, equal, 1)).toEqual({ a: 1, b: 0 });
    expect(weightsForLead(byLead, equal, 5)).toEqual({ a: 0, b: 1 });
    expect(weightsForLead(byLead, equal, 2)).toBe(equal);
    expect(weightsForLead(undefined, equal, 1)).toBe(equal);
  });
});

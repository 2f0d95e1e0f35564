import { describe, expect, it } from 'vitest';
import { adaHedge, foldIntoPrior, type AdaHedgeState } from '../../learning/adahedge';
import { hedge, type Observation } from '../../learning/hedge';
import { learnWeights } from '../../learning/learn-weights';

/** Demand is always 10, so the batch scale (mean |actual|) is 10 and a prediction of 12 loses 0.2. */
const obs = (a: number, b: number): Observation => ({ actual: 10, predicted: { a, b } });
const models = ['a', 'b'];
const noFloor = { underForecastPenalty: 1, weightFloor: 0 };

describe('AdaHedge', () => {
  it('sets η from the cumulative mixability gap: two experts, two rounds, checked by hand', () => {
    const r = adaHedge({ a: 0.5, b: 0.5 }, models, [obs(10, 12), obs(10, 12)], noFloor);
    // Round 1: Δ = 0 → η = ∞; both lead (L = 0), w = (½, ½); losses ℓ = (0, 0.2).
    //   h = ½·0 + ½·0.2 = 0.1; mix loss at η = ∞ is the least loss, 0; δ₁ = 0.1, Δ₁ = 0.1, L = (0, 0.2).
    // Round 2: η₂ = ln 2 / 0.1; w_b / w_a = e^(−η₂·0.2) = e^(−2 ln 2) = ¼ → w = (0.8, 0.2).
    //   h = 0.2·0.2 = 0.04; m = −(1/η₂) ln(0.8·e⁰ + 0.2·e^(−η₂·0.2)) = −ln(0.85)/η₂.
    const eta2 = Math.LN2 / 0.1;
    const gap2 = 0.1 + (0.04 + Math.log(0.85) / eta2);
    expect(r.state.gap).toBeCloseTo(gap2, 12); // ≈ 0.116554
    expect(r.state.losses).toEqual({ a: 0, b: expect.closeTo(0.4, 12) });
    // Next round: η₃ = ln 2 / Δ₂, w_b / w_a = e^(−η₃·0.4).
    const eta3 = Math.LN2 / gap2; // ≈ 5.947
    expect(r.learningRate).toBeCloseTo(eta3, 9);
    const ratio = Math.exp(-eta3 * 0.4); // ≈ 0.0927
    expect(r.weights.a).toBeCloseTo(1 / (1 + ratio), 9); // ≈ 0.9152
    expect(r.weights.b).toBeCloseTo(ratio / (1 + ratio), 9);
    expect(r.meanLoss).toEqual({ a: 0, b: expect.closeTo(0.2, 12) });
  });

  it('follows the leader while Δ = 0, and switches to a new leader at once', () => {
    // A state where no gap has built up yet but "a" leads: η = ∞ puts all weight on "a".
    const state: AdaHedgeState = { prior: { a: 0.5, b: 0.5 }, losses: { a: 0.3, b: 0.5 }, gap: 0 };
    // Round 1: ℓ = (0.1, 0); only "a" has weight, so h = 0.1 and the mix loss (least loss among
    //   weighted models) is also 0.1: δ = 0, Δ stays 0. L = (0.4, 0.5): "a" still leads.
    const r1 = adaHedge({}, models, [obs(11, 10)], noFloor, state);
    expect(r1.state.gap).toBe(0);
    expect(r1.learningRate).toBe(Infinity);
    expect(r1.weights).toEqual({ a: 1, b: 0 });
    // Round 2: ℓ = (0.2, 0), still δ = 0; L = (0.6, 0.5): "b" leads and gets all the weight.
    const r2 = adaHedge({}, models, [obs(12, 10)], noFloor, r1.state);
    expect(r2.state.gap).toBe(0);
    expect(r2.weights).toEqual({ a: 0, b: 1 });
    // The floor applies to what is played, not to the state.
    const floored = adaHedge({}, models, [obs(12, 10)], { underForecastPenalty: 1, weightFloor: 0.02 }, r1.state);
    expect(floored.weights.a).toBeCloseTo(0.02, 12);
    expect(floored.weights.b).toBeCloseTo(0.98, 12);
    expect(floored.state).toEqual(r2.state);
  });

  it('hands the weight over after a regime change, and continues its state across batches', () => {
    // Phase 1: "a" exact, "b" 20 % high, 10 rounds. Phase 2: the reverse, 20 rounds (in two batches).
    const phase1 = Array.from({ length: 10 }, () => obs(10, 12));
    const phase2 = Array.from({ length: 10 }, () => obs(12, 10));
    const r1 = adaHedge({ a: 0.5, b: 0.5 }, models, phase1, { underForecastPenalty: 1, weightFloor: 0.02 });
    expect(r1.weights.a).toBeGreaterThan(0.95);
    const r2 = adaHedge(r1.weights, models, phase2, { underForecastPenalty: 1, weightFloor: 0.02 }, r1.state);
    // After 10 + 10 rounds both have lost 2.0 in total: a tie again.
    expect(r2.state.losses.a).toBeCloseTo(2, 12);
    expect(r2.state.losses.b).toBeCloseTo(2, 12);
    expect(r2.weights.a).toBeCloseTo(0.5, 9);
    const r3 = adaHedge(r2.weights, models, phase2, { underForecastPenalty: 1, weightFloor: 0.02 }, r2.state);
    // L = (4, 2): weight ratio e^(−η·2) with η = ln 2 / Δ; "b" has taken over.
    const ratio = Math.exp(-(Math.LN2 / r3.state.gap) * 2);
    expect(r3.weights.b).toBeCloseTo(Math.max(0.02, Math.min(0.98, 1 / (1 + ratio))), 9);
    expect(r3.weights.b).toBeGreaterThan(0.9);
    // Each change of leader costs a gap; Δ never shrinks.
    expect(r2.state.gap).toBeGreaterThan(r1.state.gap);
    expect(r3.state.gap).toBeGreaterThanOrEqual(r2.state.gap);
  });

  it('does not depend on the unit of the losses (η adapts to their scale)', () => {
    const rounds = [obs(10, 12), obs(13, 10), obs(9, 11), obs(10, 10.5)];
    const scaled = rounds.map((o) => ({ actual: o.actual * 1000, predicted: { a: o.predicted.a * 1000, b: o.predicted.b * 1000 } }));
    const x = adaHedge({ a: 0.5, b: 0.5 }, models, rounds, noFloor);
    const y = adaHedge({ a: 0.5, b: 0.5 }, models, scaled, noFloor);
    expect(y.weights.a).toBeCloseTo(x.weights.a, 12);
  });

  it('starts fresh from the given weights without a state, or when the models changed', () => {
    // All losses equal: δ = 0 every round, so the weights stay the prior.
    const r = adaHedge({ a: 0.7, b: 0.3 }, models, [obs(11, 9), obs(9, 11)], noFloor);
    expect(r.state.gap).toBe(0);
    expect(r.weights.a).toBeCloseTo(0.7, 12);
    const other: AdaHedgeState = { prior: { a: 0.5, c: 0.5 }, losses: { a: 0, c: 9 }, gap: 1 };
    const fresh = adaHedge({ a: 0.7, b: 0.3 }, models, [], noFloor, other);
    expect(fresh.state).toEqual({ prior: { a: 0.7, b: 0.3 }, losses: { a: 0, b: 0 }, gap: 0 });
  });

  it('skips observations with a missing actual or prediction, as hedge() does', () => {
    const r = adaHedge({ a: 0.5, b: 0.5 }, models, [{ actual: NaN, predicted: { a: 1, b: 2 } }, { actual: 10, predicted: { a: 10, b: NaN } }], noFloor);
    expect(r.observations).toBe(0);
    expect(r.state.gap).toBe(0);
  });
});

describe('foldIntoPrior', () => {
  it("keeps Exp3's change of the played weights in the prior, so the next batch starts from it", () => {
    const state: AdaHedgeState = { prior: { a: 0.5, b: 0.5 }, losses: { a: 0, b: 1 }, gap: 0.5 };
    // Exp3 doubled b relative to a (0.8/0.2 → 0.6/0.3 ÷ renormalised): prior ∝ (0.5·0.6/0.8, 0.5·0.4/0.2) = (0.375, 1).
    const folded = foldIntoPrior(state, { a: 0.8, b: 0.2 }, { a: 0.6, b: 0.4 });
    expect(folded.prior.a).toBeCloseTo(0.375 / 1.375, 12);
    expect(folded.prior.b).toBeCloseTo(1 / 1.375, 12);
    expect(folded.losses).toEqual(state.losses);
    expect(folded.gap).toBe(0.5);
    // Unchanged played weights leave the prior as it was.
    expect(foldIntoPrior(state, { a: 0.8, b: 0.2 }, { a: 0.8, b: 0.2 }).prior).toEqual({ a: 0.5, b: 0.5 });
  });
});

describe('learnWeights', () => {
  it('is Hedge at a fixed η for a number, AdaHedge with its state for auto', () => {
    const batch = [obs(10, 12), obs(10, 11)];
    const fixed = learnWeights({ a: 0.5, b: 0.5 }, models, batch, { learningRate: 0.5, underForecastPenalty: 1, weightFloor: 0.02 });
    expect(fixed.weights).toEqual(hedge({ a: 0.5, b: 0.5 }, models, batch, { learningRate: 0.5, underForecastPenalty: 1, weightFloor: 0.02 }).weights);
    expect(fixed.adaHedge).toBeUndefined();
    const auto = learnWeights({ a: 0.5, b: 0.5 }, models, batch, { learningRate: 'auto', underForecastPenalty: 1, weightFloor: 0.02 });
    expect(auto.adaHedge?.gap).toBeGreaterThan(0);
    expect(auto.weights.a).toBeGreaterThan(fixed.weights.a); // η = ln 2 / Δ ≫ 0.5 on losses this small
  });
});

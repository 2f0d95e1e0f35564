import { describe, expect, it } from 'vitest';
import { classifyDecision } from '../../learning/decision-outcome';
import { exp3, OutcomeEvent, outcomeReward, seedFrom } from '../../learning/exp3';
import { equalWeights } from '../../learning/hedge';

const models = ['low', 'exact', 'high'];
/** The decision acted on 100; "high" forecast 120, "low" 80. */
const event = (kind: OutcomeEvent['kind']): OutcomeEvent => ({ kind, acted: 100, predicted: { low: 80, exact: 100, high: 120 } });
const opts = { exploration: 0.2, underForecastPenalty: 3, weightFloor: 0.02, seed: 7 };
const sum = (w: Record<string, number>) => Object.values(w).reduce((a, b) => a + b, 0);

describe('outcome reward', () => {
  it('credits the models on the right side of the acted forecast and punishes shortfalls harder than waste', () => {
    expect(outcomeReward(event('under-provisioned'), 'high', 3)).toBe(1);
    expect(outcomeReward(event('under-provisioned'), 'exact', 3)).toBe(0);
    expect(outcomeReward(event('under-provisioned'), 'low', 3)).toBe(0);
    expect(outcomeReward(event('over-provisioned'), 'low', 3)).toBe(1);
    expect(outcomeReward(event('over-provisioned'), 'high', 3)).toBeCloseTo(1 - 1 / 3);
    expect(outcomeReward(event('adequate'), 'exact', 3)).toBe(1);
    expect(outcomeReward(event('adequate'), 'low', 3)).toBe(0); // would have under-provisioned
    expect(outcomeReward(event('adequate'), 'high', 3)).toBeCloseTo(1 - 1 / 3); // would have wasted
    // Within the tolerance band, reward grows with the distance in the right direction.
    expect(outcomeReward({ ...event('under-provisioned'), predicted: { m: 105 } }, 'm', 3)).toBeCloseTo(0.5);
    expect(outcomeReward({ ...event('under-provisioned'), predicted: { m: NaN } }, 'm', 3)).toBe(0);
  });
});

describe('exp3', () => {
  it('moves weight toward the model that was right on repeated shortfalls, then on repeated waste', () => {
    const r1 = exp3(equalWeights(models), models, Array.from({ length: 60 }, () => event('under-provisioned')), opts);
    expect(r1.rounds).toBe(60);
    expect(r1.weights.high).toBeGreaterThan(0.9);
    expect(r1.weights.low).toBeLessThan(0.05);
    expect(r1.meanReward.high).toBe(1);
    // Waste costs less than a shortfall, so the way back takes more rounds than the way there.
    const r2 = exp3(r1.weights, models, Array.from({ length: 400 }, () => event('over-provisioned')), opts);
    expect(r2.weights.low).toBeGreaterThan(0.5); // the floor and exploration let it recover
  });

  it('punishes under-provisioning harder: equal numbers of both outcomes favour the higher forecast', () => {
    const mixed = Array.from({ length: 80 }, (_, i) => event(i % 2 ? 'under-provisioned' : 'over-provisioned'));
    const r = exp3(equalWeights(['low', 'high']), ['low', 'high'], mixed, opts);
    expect(r.weights.high).toBeGreaterThan(r.weights.low);
  });

  it('keeps every weight at or above the floor and the sum at 1', () => {
    const r = exp3(equalWeights(models), models, Array.from({ length: 300 }, () => event('under-provisioned')), { ...opts, weightFloor: 0.05 });
    expect(sum(r.weights)).toBeCloseTo(1, 12);
    for (const m of models) expect(r.weights[m]).toBeGreaterThanOrEqual(0.05 - 1e-12);
    expect(r.weights.low).toBeCloseTo(0.05, 9);
  });

  it('is deterministic with a seed; another seed draws differently', () => {
    const events = Array.from({ length: 40 }, (_, i) => event(i % 3 ? 'adequate' : 'under-provisioned'));
    const a = exp3(equalWeights(models), models, events, opts);
    const b = exp3(equalWeights(models), models, events, opts);
    expect(b).toEqual(a);
    const c = exp3(equalWeights(models), models, events, { ...opts, seed: 8 });
    expect(c.played).not.toEqual(a.played);
    expect(seedFrom('rw-1/run/web')).toBe(seedFrom('rw-1/run/web'));
    expect(seedFrom('rw-1/run/web')).not.toBe(seedFrom('rw-2/run/web'));
  });

  it('changes nothing without outcomes and refuses a bad exploration rate', () => {
    const start = { low: 0.2, exact: 0.5, high: 0.3 };
    expect(exp3(start, models, [], opts).weights).toEqual(start);
    expect(() => exp3(start, models, [event('adequate')], { ...opts, exploration: 0 })).toThrow(/learning\.exploration must be in \(0, 1\]/);
  });
});

describe('decision outcomes from the audit ledger', () => {
  const H = 3_600_000;
  const at = (h: number) => h * H;
  it('reads rollbacks, failed verification and quick reversals as shortfalls or waste', () => {
    expect(classifyDecision({ outcome: 'rolled-back', direction: 'out', finishedAt: at(1) }, [], at(9), H)).toBe('under-provisioned');
    expect(classifyDecision({ outcome: 'committed', direction: 'out', verificationOk: false, finishedAt: at(1) }, [], at(9), H)).toBe('under-provisioned');
    const scaleIn = { outcome: 'committed', direction: 'in' as const, finishedAt: at(1.5) };
    const scaleOut = { outcome: 'committed', direction: 'out' as const, finishedAt: at(1) };
    expect(classifyDecision(scaleOut, [scaleIn], at(9), H)).toBe('over-provisioned');
    expect(classifyDecision(scaleIn, [{ ...scaleOut, finishedAt: at(2) }], at(9), H)).toBe('under-provisioned');
    expect(classifyDecision(scaleOut, [{ ...scaleIn, finishedAt: at(3) }], at(9), H)).toBe('adequate'); // reversed only after the window
  });
  it('gives no verdict without evidence', () => {
    expect(classifyDecision({ outcome: 'policy-rejected', direction: 'out', finishedAt: at(1) }, [], at(9), H)).toBeUndefined();
    expect(classifyDecision({ outcome: 'committed', direction: 'out', finishedAt: at(1) }, [], at(1.5), H)).toBeUndefined(); // window still open
    expect(classifyDecision({ outcome: 'rolled-back', direction: 'in', finishedAt: at(1) }, [], at(9), H)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { need } from '../../sim/fleet';
import { predictivePolicy } from '../../sim/policies/predictive';
import { reactivePolicy } from '../../sim/policies/reactive';
import { generateProfile, type LoadEvent } from '../../sim/profiles';
import { simulate } from '../../sim/simulate';

// The integrated "predictive scaling test": a synthetic week of 5-minute load with a marketing
// campaign on the calendar, replayed through predictive and reactive scaling.
describe('predictive scaling test', () => {
  const stepSeconds = 300;
  const day = 86_400 / stepSeconds;
  const warmup = 4 * day;
  const campaign: LoadEvent = { start: warmup + day + 120, duration: 48, multiplier: 3, rampUp: 3, rampDown: 12 };
  const demand = generateProfile({
    steps: 6 * day,
    stepSeconds,
    seed: 7,
    userModel: { base: 200, diurnalAmplitude: 0.5, peakHour: 14, weekendFactor: 0.8 },
    events: [campaign],
    noise: { kind: 'poisson', level: 0.03 },
  });
  const input = { demand, capacity: 40, bootSteps: 3, warmup, stepSeconds };
  const effectStart = campaign.start - (campaign.rampUp ?? 0);
  const eventEnd = campaign.start + campaign.duration + (campaign.rampDown ?? 0);

  it('scales up before the campaign and breaches less than reactive', async () => {
    const result = await simulate(input, [reactivePolicy(), predictivePolicy({ events: [campaign] })]);
    const predictive = result.outcomes.predictive;
    const reactive = result.outcomes.reactive;
    const eventNeed = need(demand[campaign.start], input.capacity);
    const hourBefore = effectStart - 12;
    // First step from an hour before the campaign where the request rises above that hour's level.
    const firstRise = (r: number[]) => r.findIndex((x, t) => t > hourBefore && x > r[hourBefore] + 1);
    const firstCovering = (r: number[]) => r.findIndex((x, t) => t >= hourBefore && x >= eventNeed);

    // Predictive starts scaling before demand rises and has the campaign's capacity ready at its
    // full start; reactive starts only once the rise is observed.
    expect(firstRise(predictive.requested)).toBeLessThan(effectStart);
    expect(firstRise(reactive.requested)).toBeGreaterThan(effectStart);
    expect(firstCovering(predictive.requested)).toBeLessThanOrEqual(campaign.start - input.bootSteps);
    expect(firstCovering(reactive.requested)).toBeGreaterThan(campaign.start - input.bootSteps);
    expect(predictive.ready[campaign.start]).toBeGreaterThanOrEqual(eventNeed);
    expect(predictive.underProvisioned[campaign.start]).toBe(false);

    const breaches = (o: typeof predictive, from: number, to: number) => o.underProvisioned.slice(from, to).filter(Boolean).length;
    expect(breaches(predictive, effectStart, eventEnd)).toBeLessThan(breaches(reactive, effectStart, eventEnd));
    // Over the whole trace: no more breached steps, far less unserved demand, fewer instance-steps.
    expect(predictive.score.underProvisionedSteps).toBeLessThanOrEqual(reactive.score.underProvisionedSteps);
    expect(predictive.score.unservedPct).toBeLessThan(reactive.score.unservedPct / 2);
    expect(predictive.score.instanceSteps).toBeLessThan(reactive.score.instanceSteps);
  });

  it('the calendar is what lets it prepare: without it the campaign start is breached', async () => {
    const blind = await simulate(input, [predictivePolicy()]);
    const informed = await simulate(input, [predictivePolicy({ events: [campaign] })]);
    expect(blind.outcomes.predictive.underProvisioned.slice(effectStart, eventEnd).some(Boolean)).toBe(true);
    expect(informed.outcomes.predictive.score.underProvisionedSteps).toBeLessThan(blind.outcomes.predictive.score.underProvisionedSteps);
  });
});

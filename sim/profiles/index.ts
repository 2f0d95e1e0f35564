import { blockBootstrap } from './bootstrap';
import { applyEvents, type LoadEvent } from './events';
import { applyNoise, type NoiseKind } from './noise';
import { seededRng } from './rng';
import { applyGrowth, userModelSeries, type UserModel } from './shapes';

export { parseEvent, eventFactor, type LoadEvent } from './events';
export type { UserModel } from './shapes';

/**
 * A synthetic load profile: a base (block bootstrap of real history, or a user model), growth,
 * event triggers and seeded noise, applied in that order.
 */
export interface ProfileSpec {
  steps: number;
  stepSeconds: number;
  seed?: number;
  /** Bootstrap from this history in blocks of `blockSteps` (a day or a week of steps). */
  history?: readonly number[];
  blockSteps?: number;
  /** Used when there is no history. */
  userModel?: UserModel;
  /** Growth per day applied on top of a bootstrapped base (user models carry their own). */
  growthPerDay?: number;
  events?: LoadEvent[];
  noise?: { kind: NoiseKind; level: number };
}

export function generateProfile(spec: ProfileSpec): number[] {
  const rng = seededRng(spec.seed ?? 1);
  let series: number[];
  if (spec.history) {
    const block = spec.blockSteps ?? Math.round(86_400 / spec.stepSeconds);
    series = blockBootstrap(spec.history, block, spec.steps, rng);
    if (spec.growthPerDay) series = applyGrowth(series, spec.growthPerDay, spec.stepSeconds);
  } else {
    series = userModelSeries(spec.userModel ?? { base: 100 }, spec.steps, spec.stepSeconds);
  }
  if (spec.events?.length) series = applyEvents(series, spec.events);
  if (spec.noise) series = applyNoise(series, spec.noise.kind, spec.noise.level, rng);
  return series;
}

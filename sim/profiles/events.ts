/**
 * Event triggers (a marketing campaign, a launch): demand is multiplied by `multiplier` for
 * `duration` steps from `start`, reached by a linear ramp over `rampUp` steps before the start's
 * full effect and left over `rampDown` steps after it.
 */
export interface LoadEvent {
  start: number;
  duration: number;
  multiplier: number;
  rampUp?: number;
  rampDown?: number;
}

/** The multiplier an event applies at step t (1 outside it). */
export function eventFactor(e: LoadEvent, t: number): number {
  const up = e.rampUp ?? 0;
  const down = e.rampDown ?? 0;
  const end = e.start + e.duration;
  let w = 0;
  if (t >= e.start && t < end) w = 1;
  else if (t < e.start && t >= e.start - up) w = (t - (e.start - up) + 1) / (up + 1);
  else if (t >= end && t < end + down) w = 1 - (t - end + 1) / (down + 1);
  return 1 + (e.multiplier - 1) * w;
}

export function applyEvents(series: readonly number[], events: readonly LoadEvent[]): number[] {
  return series.map((v, t) => events.reduce((acc, e) => acc * eventFactor(e, t), v));
}

/** Parses "start:duration:multiplier[:rampUp[:rampDown]]" (all in steps). */
export function parseEvent(text: string): LoadEvent | undefined {
  const parts = text.split(':').map(Number);
  if (parts.length < 3 || parts.length > 5 || parts.some((p) => !Number.isFinite(p) || p < 0)) return undefined;
  const [start, duration, multiplier, rampUp = 0, rampDown = 0] = parts;
  if (!Number.isInteger(start) || !Number.isInteger(duration) || !Number.isInteger(rampUp) || !Number.isInteger(rampDown) || duration < 1) return undefined;
  return { start, duration, multiplier, rampUp, rampDown };
}

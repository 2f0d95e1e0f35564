import { z } from 'zod';

/** Durations in config are written as "90s", "5m", "2h", "1d" (or a number of seconds). */
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

export function parseDurationSeconds(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new Error(`duration ${input} must be a non-negative number of seconds`);
    return input;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(input);
  if (!m) throw new Error(`"${input}" is not a duration; write e.g. "30s", "5m", "2h" or "1d"`);
  return Number(m[1]) * UNIT_SECONDS[m[2]];
}

/** Seconds to a Temporal duration string (milliseconds keep sub-second test timeouts exact). */
export function toTemporalDuration(seconds: number): string {
  return `${Math.round(seconds * 1000)}ms`;
}

export function formatDuration(seconds: number): string {
  if (seconds >= 86400 && seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** A config duration ("5m" or seconds), normalised to seconds; a bad value names the accepted forms. */
export const durationSchema = z
  .union([z.string(), z.number()])
  .transform((v, ctx) => {
    try {
      return parseDurationSeconds(v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
      return z.NEVER;
    }
  });

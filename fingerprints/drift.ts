/**
 * The adaptive loop's trigger (pure): a cluster whose utilisation model keeps missing — its error
 * over the last `windows` scoring windows all above `threshold` — asks for a refit of the reducer
 * and clusters and a retrain of its model; a fixed schedule asks for one regardless. The scheduled
 * loop (workflows/fingerprint-loop.ts) calls it with the champion's errors per cluster and period.
 */
export interface DriftPolicy {
  /** Error (e.g. CPU MAE, cores) above which a window counts as a miss. */
  threshold: number;
  /** Consecutive missed windows that trigger a refit (N). */
  windows: number;
  /** Refit anyway after this many windows since the last fit (0 = never). */
  everyWindows?: number;
}

export interface DriftVerdict {
  refit: boolean;
  /** Clusters whose last N windows all missed. */
  drifting: string[];
  reason: string;
}

export function driftVerdict(errors: Record<string, readonly number[]>, windowsSinceFit: number, policy: DriftPolicy): DriftVerdict {
  if (!(policy.threshold >= 0)) throw new RangeError(`threshold must be >= 0, got ${policy.threshold}`);
  if (!(Number.isInteger(policy.windows) && policy.windows >= 1)) throw new RangeError(`windows must be a whole number >= 1, got ${policy.windows}`);
  const drifting = Object.keys(errors)
    .sort()
    .filter((c) => {
      const recent = errors[c].slice(-policy.windows);
      return recent.length === policy.windows && recent.every((e) => e > policy.threshold);
    });
  if (drifting.length > 0) {
    return { refit: true, drifting, reason: `cluster${drifting.length > 1 ? 's' : ''} ${drifting.join(', ')}: error above ${policy.threshold} for ${policy.windows} window${policy.windows > 1 ? 's' : ''} in a row` };
  }
  if (policy.everyWindows && windowsSinceFit >= policy.everyWindows) return { refit: true, drifting, reason: `scheduled: ${windowsSinceFit} windows since the last fit` };
  return { refit: false, drifting, reason: 'every cluster within its error threshold' };
}

import { PER_REQUEST, SIGNALS, type TelemetrySample } from './signals';
import { STAT_NAMES, windowStats } from './stats';

/**
 * The feature vector of one member at time `at`: for every signal and every window (default 1, 5,
 * 15 and 60 s ending at `at`) the window statistics, then per-request ratios over the longest
 * window (signal mean / request-rate mean: what one request costs, independent of the load).
 * Names are stable, so vectors of different members and minutes line up column by column.
 */
export const DEFAULT_WINDOWS_S = [1, 5, 15, 60] as const;

export interface FeatureOptions {
  windowsS?: readonly number[];
}

export function featureNames(opts: FeatureOptions = {}): string[] {
  const names: string[] = [];
  for (const w of windowsOf(opts)) for (const s of SIGNALS) for (const st of STAT_NAMES) names.push(`${s}.${w}s.${st}`);
  for (const s of PER_REQUEST) names.push(`${s}.perRequest`);
  return names;
}

export function featureVector(samples: readonly TelemetrySample[], at: number, opts: FeatureOptions = {}): number[] {
  const windows = windowsOf(opts);
  const out: number[] = [];
  for (const w of windows) {
    const inWindow = samples.filter((x) => x.t > at - w * 1000 && x.t <= at);
    for (const s of SIGNALS) {
      const st = windowStats(inWindow.map((x) => x[s]));
      for (const name of STAT_NAMES) out.push(st[name]);
    }
  }
  const longest = samples.filter((x) => x.t > at - windows[windows.length - 1] * 1000 && x.t <= at);
  const meanOf = (s: (typeof SIGNALS)[number]) => (longest.length ? longest.reduce((a, x) => a + x[s], 0) / longest.length : 0);
  const rps = meanOf('requestsPerSec');
  // No requests: a ratio is undefined; 0 keeps the column finite (standardisation then treats it as low).
  for (const s of PER_REQUEST) out.push(rps > 0 ? meanOf(s) / rps : 0);
  return out;
}

function windowsOf(opts: FeatureOptions): readonly number[] {
  const windows = opts.windowsS ?? DEFAULT_WINDOWS_S;
  if (windows.length === 0) throw new RangeError('windowsS: give at least one window length in seconds, e.g. [1, 5, 15, 60]');
  for (const w of windows) if (!(w > 0)) throw new RangeError(`windowsS: ${w} is not a positive number of seconds`);
  return [...windows].sort((a, b) => a - b);
}

/**
 * The features of one fingerprint update: the mean of the sliding-window feature vectors taken
 * every `stepMs` over the update period (from, to]. A single evaluation catches whatever the
 * 1–5 s windows happen to hold at that instant; averaging over the minute keeps the identity and
 * drops the luck (on the real pool it turned a marginal silhouette choice into a clear one).
 */
export function periodFeatures(samples: readonly TelemetrySample[], from: number, to: number, opts: FeatureOptions & { stepMs?: number } = {}): number[] {
  const stepMs = opts.stepMs ?? 1000;
  if (!(stepMs > 0)) throw new RangeError(`stepMs must be > 0, got ${stepMs}`);
  if (!(to > from)) throw new RangeError(`the update period must end after it starts (from ${from}, to ${to})`);
  let sum: number[] | undefined;
  let count = 0;
  for (let at = to; at > from; at -= stepMs) {
    const v = featureVector(samples, at, opts);
    sum = sum ? sum.map((s, j) => s + v[j]) : v;
    count++;
  }
  return sum!.map((s) => s / count);
}

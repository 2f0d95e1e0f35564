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
  return [...windows.flatMap((w) => windowBlock(samples, at, w)), ...ratioBlock(samples, at, windows[windows.length - 1])];
}

/** Statistics of every signal over the `w` seconds ending at `at`. */
function windowBlock(samples: readonly TelemetrySample[], at: number, w: number): number[] {
  const inWindow = samples.filter((x) => x.t > at - w * 1000 && x.t <= at);
  const out: number[] = [];
  for (const s of SIGNALS) {
    const st = windowStats(inWindow.map((x) => x[s]));
    for (const name of STAT_NAMES) out.push(st[name]);
  }
  return out;
}

/** Per-request ratios over the `w` seconds ending at `at`. */
function ratioBlock(samples: readonly TelemetrySample[], at: number, w: number): number[] {
  const inWindow = samples.filter((x) => x.t > at - w * 1000 && x.t <= at);
  const meanOf = (s: (typeof SIGNALS)[number]) => (inWindow.length ? inWindow.reduce((a, x) => a + x[s], 0) / inWindow.length : 0);
  const rps = meanOf('requestsPerSec');
  // No requests: a ratio is undefined; 0 keeps the column finite (standardisation then treats it as low).
  return PER_REQUEST.map((s) => (rps > 0 ? meanOf(s) / rps : 0));
}

function windowsOf(opts: FeatureOptions): readonly number[] {
  const windows = opts.windowsS ?? DEFAULT_WINDOWS_S;
  if (windows.length === 0) throw new RangeError('windowsS: give at least one window length in seconds, e.g. [1, 5, 15, 60]');
  for (const w of windows) if (!(w > 0)) throw new RangeError(`windowsS: ${w} is not a positive number of seconds`);
  return [...windows].sort((a, b) => a - b);
}

/**
 * The features of one fingerprint update: the mean, over the update period (from, to], of each
 * window's statistics taken every `stepMs` — or every quarter of the window when that is longer
 * (a 60 s window moves little in a second, and re-sorting 600 samples every second cost 6× more).
 * A single evaluation catches whatever the 1–5 s windows happen to hold at that instant;
 * averaging over the period keeps the identity and drops the luck (on the real pool it turned a
 * marginal silhouette choice into a clear one).
 */
export function periodFeatures(samples: readonly TelemetrySample[], from: number, to: number, opts: FeatureOptions & { stepMs?: number } = {}): number[] {
  const stepMs = opts.stepMs ?? 1000;
  if (!(stepMs > 0)) throw new RangeError(`stepMs must be > 0, got ${stepMs}`);
  if (!(to > from)) throw new RangeError(`the update period must end after it starts (from ${from}, to ${to})`);
  const windows = windowsOf(opts);
  const longest = windows[windows.length - 1];
  // Only the samples any window of this period can see (a ring holds minutes more).
  const seen = samples.filter((x) => x.t > from - longest * 1000 && x.t <= to);
  const averaged = (w: number, block: (at: number) => number[]) => {
    const every = Math.max(stepMs, (w * 1000) / 4);
    let sum: number[] | undefined;
    let count = 0;
    for (let at = to; at > from; at -= every) {
      const v = block(at);
      sum = sum ? sum.map((x, j) => x + v[j]) : v;
      count++;
    }
    return sum!.map((x) => x / count);
  };
  return [...windows.flatMap((w) => averaged(w, (at) => windowBlock(seen, at, w))), ...averaged(longest, (at) => ratioBlock(seen, at, longest))];
}

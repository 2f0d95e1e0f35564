import { inferStepMs } from './regularise';

/**
 * Time handling of the CSV path: timestamped rows → one value per step (mean of the rows in a
 * step), reindexed on the full step grid by danfojs (a left join: missing steps are explicit
 * gaps, not the next row sliding into their place).
 * danfojs is loaded lazily, once per process: it pulls in its own tfjs copy (1-4 s, BENCHMARKS.md),
 * which `kinetic --help`, `status`, `explain` and the client must never pay.
 */

type Danfo = typeof import('danfojs-node');

let danfo: Promise<Danfo> | undefined;

/** danfojs, required on first use and cached for the process (a failed load is retried next time). */
export function loadDanfo(): Promise<Danfo> {
  danfo ??= Promise.resolve()
    .then(requireQuietly)
    .catch((e: unknown) => {
      danfo = undefined;
      throw e;
    });
  return danfo;
}

/**
 * danfojs brings its own tfjs copy; when the GRU's tfjs is already loaded it re-registers every
 * kernel and prints hundreds of "already registered" warnings. Silence them while loading.
 */
function requireQuietly(): Danfo {
  const { warn, log } = console;
  console.warn = () => undefined;
  console.log = () => undefined;
  try {
    return require('danfojs-node') as Danfo;
  } finally {
    console.warn = warn;
    console.log = log;
  }
}

/** A run of missing steps on a grid. */
export interface StepGap {
  index: number;
  length: number;
}

export interface StepGrid {
  /** Epoch ms of values[0] (on the input's own clock). */
  startMs: number;
  stepMs: number;
  /** Mean of the rows in each step; NaN where no row fell in the step. */
  values: number[];
  gaps: StepGap[];
  /** Rows that shared a step with an earlier row (averaged into it). */
  duplicates: number;
}

export interface ResampleOptions {
  /** A time on the grid: steps are anchor + k·step, each row goes to the nearest one. */
  anchorMs: number;
  /** Only steps from..to (epoch ms, on the grid, inclusive); default: the rows' own span. */
  fromMs?: number;
  toMs?: number;
}

/**
 * Timestamped values → one value per step. Rows with a NaN value are missing data, not zeros:
 * they leave their step a gap unless another row fills it.
 */
export async function resampleToStep(timesMs: readonly number[], values: readonly number[], stepMs: number, opts: ResampleOptions): Promise<StepGrid> {
  const stepOf = (t: number) => opts.anchorMs + Math.round((t - opts.anchorMs) / stepMs) * stepMs;
  let from = opts.fromMs ?? Infinity;
  let to = opts.toMs ?? -Infinity;
  if (opts.fromMs === undefined || opts.toMs === undefined) {
    for (let i = 0; i < timesMs.length; i++) {
      if (!Number.isFinite(values[i])) continue;
      const s = stepOf(timesMs[i]);
      if (opts.fromMs === undefined && s < from) from = s;
      if (opts.toMs === undefined && s > to) to = s;
    }
  }
  const n = Number.isFinite(from) && Number.isFinite(to) && to >= from ? Math.round((to - from) / stepMs) + 1 : 0;
  // Per-step means in a loop, not danfojs' groupby: danfojs 1.2 builds a groupby result by
  // re-spreading arrays per group, quadratic in the number of steps (12-17 s for 20,160 one-row
  // steps on the 2-core test machine, BENCHMARKS.md), and this runs in every decision.
  const sum = new Float64Array(n);
  const count = new Uint32Array(n);
  let rows = 0;
  for (let i = 0; i < timesMs.length; i++) {
    if (!Number.isFinite(values[i])) continue;
    const k = Math.round((stepOf(timesMs[i]) - from) / stepMs);
    if (k < 0 || k >= n) continue;
    sum[k] += values[i];
    count[k]++;
    rows++;
  }
  const observedAt: number[] = [];
  const means: number[] = [];
  for (let k = 0; k < n; k++) {
    if (count[k] === 0) continue;
    observedAt.push(from + k * stepMs);
    means.push(sum[k] / count[k]);
  }
  const out = await onStepGrid(observedAt, means, from, n, stepMs);
  return { startMs: Number.isFinite(from) ? from : opts.anchorMs, stepMs, values: out, gaps: gapsOf(out), duplicates: rows - observedAt.length };
}

/**
 * The observed steps reindexed on the full grid from..from+(n-1)·step by danfojs: a left join of
 * the grid on the observed steps, so a step without a row comes out NaN (a gap) instead of the
 * next row sliding into its place.
 */
async function onStepGrid(observedAt: number[], means: number[], from: number, n: number, stepMs: number): Promise<number[]> {
  const out = new Array<number>(n).fill(NaN);
  if (n === 0 || observedAt.length === 0) return out;
  const dfd = await loadDanfo();
  const grid = new dfd.DataFrame({ t: Array.from({ length: n }, (_, k) => from + k * stepMs) });
  const observed = new dfd.DataFrame({ t: observedAt, v: means });
  const joined = dfd.merge({ left: grid, right: observed, on: ['t'], how: 'left' });
  const t = joined.column('t').values as number[];
  const v = joined.column('v').values as unknown[];
  // Placed by time, not by row order: the join's order is danfojs' business.
  for (let r = 0; r < t.length; r++) if (typeof v[r] === 'number') out[Math.round((t[r] - from) / stepMs)] = v[r] as number;
  return out;
}

/**
 * A file's rows on a regular grid at their own step (the median spacing), anchored at the first
 * row; `loadSeries` then fills and flags the gaps. Without a usable spacing (one timestamp), the
 * values in time order.
 */
export async function toGrid(timesMs: readonly number[], values: readonly number[]): Promise<StepGrid & { stepSeconds?: number }> {
  const order = timesMs.map((_, i) => i).sort((a, b) => timesMs[a] - timesMs[b]);
  const t = order.map((i) => timesMs[i]);
  const v = order.map((i) => values[i]);
  const step = inferStepMs(t);
  if (!Number.isFinite(step)) return { startMs: t[0], stepMs: NaN, values: v, gaps: [], duplicates: Math.max(0, v.length - 1) };
  const grid = await resampleToStep(t, v, step, { anchorMs: t[0], fromMs: t[0], toMs: t[0] + Math.round((t[t.length - 1] - t[0]) / step) * step });
  return { ...grid, stepSeconds: step / 1000 };
}

/** Runs of NaN. */
export function gapsOf(values: readonly number[]): StepGap[] {
  const gaps: StepGap[] = [];
  for (let i = 0; i < values.length; i++) {
    if (!Number.isNaN(values[i])) continue;
    const last = gaps[gaps.length - 1];
    if (last && last.index + last.length === i) last.length++;
    else gaps.push({ index: i, length: 1 });
  }
  return gaps;
}

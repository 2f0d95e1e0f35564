import { inferStepMs } from './regularise';

/**
 * The data-frame work of the CSV path, done by danfojs: timestamped rows → one value per step
 * (group by step, mean of duplicates), reindexed on the full step grid so missing steps are
 * explicit gaps, and several metrics aligned on one time axis (an outer join on the step).
 * danfojs is loaded lazily, once per process: it pulls in its own tfjs copy (about a second on a
 * quiet machine), which `kinetic --help`, `status`, `explain` and the client must never pay.
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
  const t: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < timesMs.length; i++) {
    if (!Number.isFinite(values[i])) continue;
    const bucket = opts.anchorMs + Math.round((timesMs[i] - opts.anchorMs) / stepMs) * stepMs;
    if ((opts.fromMs !== undefined && bucket < opts.fromMs) || (opts.toMs !== undefined && bucket > opts.toMs)) continue;
    t.push(bucket);
    v.push(values[i]);
  }
  const from = opts.fromMs ?? Math.min(...t);
  const to = opts.toMs ?? Math.max(...t);
  if (t.length === 0) {
    const n = Number.isFinite(from) && Number.isFinite(to) ? Math.round((to - from) / stepMs) + 1 : 0;
    return { startMs: Number.isFinite(from) ? from : opts.anchorMs, stepMs, values: new Array<number>(n).fill(NaN), gaps: n ? [{ index: 0, length: n }] : [], duplicates: 0 };
  }
  const dfd = await loadDanfo();
  const perStep = new dfd.DataFrame({ t, v }).groupby(['t']).agg({ v: 'mean' });
  const n = Math.round((to - from) / stepMs) + 1;
  const grid = new dfd.DataFrame({ t: Array.from({ length: n }, (_, k) => from + k * stepMs) });
  const onGrid = dfd.merge({ left: grid, right: perStep, on: ['t'], how: 'left' }).sortValues('t');
  const out = (onGrid.column('v_mean').values as unknown[]).map((x) => (typeof x === 'number' ? x : NaN));
  return { startMs: from, stepMs, values: out, gaps: gapsOf(out), duplicates: t.length - perStep.shape[0] };
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

/**
 * Several metrics on one time axis: each resampled to the step, then outer-joined on the step, so
 * a step any metric has is a row and a metric without it has NaN there (listed in its gaps).
 */
export async function alignOnTime(
  metrics: Record<string, { timesMs: readonly number[]; values: readonly number[] }>,
  stepMs: number,
  anchorMs: number,
): Promise<{ startMs: number; stepMs: number; series: Record<string, { values: number[]; gaps: StepGap[] }> }> {
  const names = Object.keys(metrics);
  const grids = await Promise.all(names.map((name) => resampleToStep(metrics[name].timesMs, metrics[name].values, stepMs, { anchorMs })));
  const dfd = await loadDanfo();
  let joined: InstanceType<Danfo['DataFrame']> | undefined;
  grids.forEach((g, i) => {
    const frame = new dfd.DataFrame({ t: g.values.map((_, k) => g.startMs + k * stepMs), [`m${i}`]: g.values });
    joined = joined ? dfd.merge({ left: joined, right: frame, on: ['t'], how: 'outer' }) : frame;
  });
  if (!joined) return { startMs: anchorMs, stepMs, series: {} };
  const sorted = joined.sortValues('t');
  const times = sorted.column('t').values as number[];
  const startMs = times[0];
  const n = Math.round((times[times.length - 1] - startMs) / stepMs) + 1;
  const series: Record<string, { values: number[]; gaps: StepGap[] }> = {};
  names.forEach((name, i) => {
    const values = new Array<number>(n).fill(NaN);
    const col = sorted.column(`m${i}`).values as unknown[];
    times.forEach((at, r) => {
      const x = col[r];
      if (typeof x === 'number') values[Math.round((at - startMs) / stepMs)] = x;
    });
    series[name] = { values, gaps: gapsOf(values) };
  });
  return { startMs, stepMs, series };
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

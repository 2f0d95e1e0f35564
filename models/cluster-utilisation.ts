import { gruForward, type GruWeights } from './optim/gru-forward';
import { trainGruWindows } from './gru';
import { quantile } from './quantiles';

/**
 * Utilisation `horizon` steps ahead from recent fingerprints and the load forecast: a GRU per
 * behaviour cluster (or one for the whole fleet: the global baseline). Each input step carries
 * the instance's fingerprint, its CPU and memory, its request rate, and the load forecast for the
 * target step; the network predicts the change in CPU and memory from the last step (the level
 * is the persistence forecast, the network learns what the fingerprint and the load do to it).
 * Intervals: quantiles of validation residuals (never trained on).
 */
export interface UtilisationStep {
  fingerprint: number[];
  /** CPU used, cores (1 = one core busy). */
  cpu: number;
  /** Resident memory, MiB. */
  mem: number;
  /** Requests per second served in the step. */
  load: number;
  /** The load forecast for this step, made before it (requests per second). */
  loadForecast: number;
}

export interface InstanceSeries {
  id: string;
  steps: UtilisationStep[];
}

export interface UtilisationModelOptions {
  horizon: number;
  /** Input steps per window (default 6). */
  window?: number;
  /** Only windows whose target step is < trainUntil are used (hold the rest back). */
  trainUntil: number;
  seed?: number;
  epochs?: number;
  units?: number;
  /** Share of the training windows (latest first) kept for validation and intervals (default 0.2). */
  validationShare?: number;
}

export interface UtilisationModel {
  horizon: number;
  window: number;
  weights: GruWeights;
  inMean: number[];
  inSd: number[];
  outSd: number[];
  /** Residual quantiles (cores, MiB) of validation windows: p10 and p90 per output. */
  lower: [number, number];
  upper: [number, number];
  trainedOn: number;
}

export interface UtilisationForecast {
  cpu: { p50: number; p10: number; p90: number };
  mem: { p50: number; p10: number; p90: number };
}

function stepInput(s: UtilisationStep, target: UtilisationStep): number[] {
  return [...s.fingerprint, s.cpu, s.mem, s.load, target.loadForecast];
}

/** Window and target of origin t (the last input step). */
function windowAt(steps: readonly UtilisationStep[], t: number, h: number, w: number): { x: number[][]; y: [number, number] } {
  const target = steps[t + h];
  const x = steps.slice(t - w + 1, t + 1).map((s) => stepInput(s, target));
  return { x, y: [target.cpu - steps[t].cpu, target.mem - steps[t].mem] };
}

export async function fitUtilisationModel(series: readonly InstanceSeries[], opts: UtilisationModelOptions): Promise<UtilisationModel> {
  const h = opts.horizon;
  const w = opts.window ?? 6;
  if (!(Number.isInteger(h) && h >= 1)) throw new RangeError(`horizon must be a positive integer of steps, got ${h}`);
  const windows: Array<{ x: number[][]; y: [number, number]; t: number }> = [];
  for (const s of series) for (let t = w - 1; t + h < Math.min(opts.trainUntil, s.steps.length); t++) windows.push({ ...windowAt(s.steps, t, h, w), t });
  if (windows.length < 10) throw new RangeError(`utilisation model (horizon ${h}): only ${windows.length} training windows; collect more steps or shorten the window`);
  // Validation = the latest windows in time (across instances), like a forecast would meet them.
  windows.sort((a, b) => a.t - b.t);
  const nVal = Math.max(2, Math.round(windows.length * (opts.validationShare ?? 0.2)));
  const train = windows.slice(0, windows.length - nVal);
  const val = windows.slice(windows.length - nVal);
  const dim = train[0].x[0].length;
  const inMean = new Array<number>(dim).fill(0);
  const inSd = new Array<number>(dim).fill(0);
  const rows = train.flatMap((s) => s.x);
  for (const r of rows) r.forEach((v, j) => (inMean[j] += v / rows.length));
  for (const r of rows) r.forEach((v, j) => (inSd[j] += (v - inMean[j]) ** 2 / rows.length));
  for (let j = 0; j < dim; j++) inSd[j] = Math.sqrt(inSd[j]) || 1;
  const outSd = [0, 1].map((k) => Math.sqrt(train.reduce((a, s) => a + s.y[k] ** 2, 0) / train.length) || 1);
  const norm = (x: number[][]) => x.map((r) => r.map((v, j) => (v - inMean[j]) / inSd[j]));
  const { weights } = await trainGruWindows(
    {
      xs: train.map((s) => norm(s.x)),
      ys: train.map((s) => s.y.map((v, k) => v / outSd[k])),
      valX: val.map((s) => norm(s.x)),
      valY: val.map((s) => s.y.map((v, k) => v / outSd[k])),
    },
    { window: w, outputs: 2, units: opts.units ?? 12, epochs: opts.epochs ?? 40, batchSize: 32, learningRate: 0.01 },
    opts.seed ?? 42,
  );
  const model: UtilisationModel = { horizon: h, window: w, weights, inMean, inSd, outSd, lower: [0, 0], upper: [0, 0], trainedOn: train.length };
  const res = [0, 1].map((k) => val.map((s) => s.y[k] - predictDelta(model, s.x)[k]));
  model.lower = [quantile(res[0], 0.1), quantile(res[1], 0.1)];
  model.upper = [quantile(res[0], 0.9), quantile(res[1], 0.9)];
  return model;
}

function predictDelta(m: UtilisationModel, x: readonly number[][]): number[] {
  const out = gruForward(m.weights, x.map((r) => r.map((v, j) => (v - m.inMean[j]) / m.inSd[j])));
  return out.map((v, k) => v * m.outSd[k]);
}

/** Forecast for the step `horizon` after origin t; `steps[t + horizon].loadForecast` must be known (the rest of that step is not read). */
export function forecastUtilisation(m: UtilisationModel, steps: readonly UtilisationStep[], t: number): UtilisationForecast {
  if (t < m.window - 1) throw new RangeError(`origin ${t}: the model needs ${m.window} steps of history`);
  if (!steps[t + m.horizon]) throw new RangeError(`origin ${t}: give the load forecast for step ${t + m.horizon}`);
  const target = steps[t + m.horizon];
  const x = steps.slice(t - m.window + 1, t + 1).map((s) => stepInput(s, target));
  const [dc, dm] = predictDelta(m, x);
  const cpu = Math.max(0, steps[t].cpu + dc);
  const mem = Math.max(0, steps[t].mem + dm);
  return {
    cpu: { p50: cpu, p10: Math.max(0, cpu + m.lower[0]), p90: Math.max(0, cpu + m.upper[0]) },
    mem: { p50: mem, p10: Math.max(0, mem + m.lower[1]), p90: Math.max(0, mem + m.upper[1]) },
  };
}

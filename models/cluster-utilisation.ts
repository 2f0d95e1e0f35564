import { gruForward, type GruWeights } from './optim/gru-forward';
import { trainGruWindows } from './gru';
import { applyLoadMap, fitLoadMap, type LoadMap } from './load-map';
import { quantile } from './quantiles';

/**
 * Utilisation `horizon` steps ahead from recent fingerprints and the load forecast, fitted per
 * behaviour cluster (or once for the whole fleet: the global baseline, same structure).
 *
 * CPU is built around what drives it: an instance's CPU ≈ its cluster's idle floor + cost per
 * request × its request rate, scaled by the instance's own factor. So the CPU forecast is
 *   loadMap(load forecast at the target) × (1 + rho × the instance's recent relative offset from
 *   the map) + the GRU's correction,
 * where the load map is a Huber line fitted on the training steps (models/load-map.ts), the offset
 * is relative (a member on a slower core, or doing more work per request, is off by a share of
 * every request, not by a constant), rho says how much of it persists `horizon` steps later
 * (least squares on the training windows, in [0, 1]), and the GRU sees the recent fingerprints,
 * residuals, CPU, memory, request rate and the target's load forecast. Memory is persistence +
 * the GRU's predicted change (a cache's growth is not a function of the current rate).
 * The GRU's correction of an output is kept only when it lowers that output's MAE on the
 * validation windows (the latest 20 % of the training windows, never trained on); otherwise the
 * structural forecast stands alone — a small net on ~100 noisy windows can add more noise than
 * signal, and validation decides, not hope. Intervals: quantiles of the final forecast's
 * validation residuals.
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
  /**
   * CPU structure (absent in models fitted before it existed: their GRU predicted the change from
   * the last step, and forecasts still read them that way).
   */
  cpuMap?: LoadMap;
  rho?: number;
  /** Whether the GRU's correction is applied to CPU and to memory (validation decided). */
  useNet?: [boolean, boolean];
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

type Structure = Pick<UtilisationModel, 'cpuMap' | 'rho'>;

function stepInput(m: Structure, s: UtilisationStep, target: UtilisationStep): number[] {
  const residual = m.cpuMap ? [s.cpu - applyLoadMap(m.cpuMap, s.load)] : [];
  return [...s.fingerprint, ...residual, s.cpu, s.mem, s.load, target.loadForecast];
}

/** The instance's CPU over the input window relative to what the load map says for its load, minus 1. */
function recentResidual(map: LoadMap, steps: readonly UtilisationStep[], t: number, w: number): number {
  const win = steps.slice(t - w + 1, t + 1);
  const actual = win.reduce((a, s) => a + s.cpu, 0);
  const mapped = win.reduce((a, s) => a + applyLoadMap(map, s.load), 0);
  return mapped > 1e-9 ? actual / mapped - 1 : 0;
}

/** The forecast without the GRU: CPU from the load map and the persisting residual (or the last CPU for older models), memory by persistence. */
function structural(m: Structure & { window: number; horizon: number }, steps: readonly UtilisationStep[], t: number): [number, number] {
  const target = steps[t + m.horizon];
  const cpu = m.cpuMap ? applyLoadMap(m.cpuMap, target.loadForecast) * (1 + (m.rho ?? 0) * recentResidual(m.cpuMap, steps, t, m.window)) : steps[t].cpu;
  return [cpu, steps[t].mem];
}

interface Window {
  /** Which series and origin (the last input step). */
  s: number;
  t: number;
}

export async function fitUtilisationModel(series: readonly InstanceSeries[], opts: UtilisationModelOptions): Promise<UtilisationModel> {
  const h = opts.horizon;
  const w = opts.window ?? 6;
  if (!(Number.isInteger(h) && h >= 1)) throw new RangeError(`horizon must be a positive integer of steps, got ${h}`);
  const windows: Window[] = [];
  series.forEach((ser, s) => {
    for (let t = w - 1; t + h < Math.min(opts.trainUntil, ser.steps.length); t++) windows.push({ s, t });
  });
  if (windows.length < 10) throw new RangeError(`utilisation model (horizon ${h}): only ${windows.length} training windows; collect more steps or shorten the window`);
  // Validation = the latest windows in time (across instances), like a forecast would meet them.
  windows.sort((a, b) => a.t - b.t || a.s - b.s);
  const nVal = Math.max(2, Math.round(windows.length * (opts.validationShare ?? 0.2)));
  const train = windows.slice(0, windows.length - nVal);
  const val = windows.slice(windows.length - nVal);
  // The structure sees only what the training windows see (their inputs and targets).
  const lastTrainStep = train[train.length - 1].t + h;
  const mapSteps = series.flatMap((ser) => ser.steps.slice(0, lastTrainStep + 1)).filter((x) => Number.isFinite(x.cpu) && Number.isFinite(x.load));
  const cpuMap = fitLoadMap(mapSteps.map((x) => x.load), mapSteps.map((x) => x.cpu));
  const rho = fitRho(
    train.map(({ s, t }) => {
      const mapped = applyLoadMap(cpuMap, series[s].steps[t + h].loadForecast);
      return { r: mapped * recentResidual(cpuMap, series[s].steps, t, w), y: series[s].steps[t + h].cpu - mapped };
    }),
  );
  const structure = { cpuMap, rho, window: w, horizon: h };
  const sample = ({ s, t }: Window) => {
    const steps = series[s].steps;
    const target = steps[t + h];
    const base = structural(structure, steps, t);
    return { x: steps.slice(t - w + 1, t + 1).map((st) => stepInput(structure, st, target)), y: [target.cpu - base[0], target.mem - base[1]] };
  };
  const trainS = train.map(sample);
  const valS = val.map(sample);
  const dim = trainS[0].x[0].length;
  const inMean = new Array<number>(dim).fill(0);
  const inSd = new Array<number>(dim).fill(0);
  const rows = trainS.flatMap((s) => s.x);
  for (const r of rows) r.forEach((v, j) => (inMean[j] += v / rows.length));
  for (const r of rows) r.forEach((v, j) => (inSd[j] += (v - inMean[j]) ** 2 / rows.length));
  for (let j = 0; j < dim; j++) inSd[j] = Math.sqrt(inSd[j]) || 1;
  const outSd = [0, 1].map((k) => Math.sqrt(trainS.reduce((a, s) => a + s.y[k] ** 2, 0) / trainS.length) || 1);
  const norm = (x: number[][]) => x.map((r) => r.map((v, j) => (v - inMean[j]) / inSd[j]));
  const { weights } = await trainGruWindows(
    {
      xs: trainS.map((s) => norm(s.x)),
      ys: trainS.map((s) => s.y.map((v, k) => v / outSd[k])),
      valX: valS.map((s) => norm(s.x)),
      valY: valS.map((s) => s.y.map((v, k) => v / outSd[k])),
    },
    { window: w, outputs: 2, units: opts.units ?? 12, epochs: opts.epochs ?? 40, batchSize: 32, learningRate: 0.01 },
    opts.seed ?? 42,
  );
  const model: UtilisationModel = { ...structure, useNet: [true, true], weights, inMean, inSd, outSd, lower: [0, 0], upper: [0, 0], trainedOn: trainS.length };
  // Keep the net's correction of an output only where it beats the structure alone on validation.
  const corrections = valS.map((s) => predictCorrection(model, s.x));
  const mae = (k: number, withNet: boolean) => valS.reduce((a, s, i) => a + Math.abs(s.y[k] - (withNet ? corrections[i][k] : 0)), 0) / valS.length;
  model.useNet = [mae(0, true) < mae(0, false), mae(1, true) < mae(1, false)];
  const res = [0, 1].map((k) => valS.map((s, i) => s.y[k] - (model.useNet![k] ? corrections[i][k] : 0)));
  model.lower = [quantile(res[0], 0.1), quantile(res[1], 0.1)];
  model.upper = [quantile(res[0], 0.9), quantile(res[1], 0.9)];
  return model;
}

/**
 * Share of an instance's recent offset from the load map still there `horizon` steps later:
 * least squares through the origin of the target's offset `y` on the offset `r` that full
 * persistence of the recent relative offset predicts, in [0, 1] (an offset cannot grow by
 * persisting, nor flip sign).
 */
export function fitRho(pairs: ReadonlyArray<{ r: number; y: number }>): number {
  let rr = 0;
  let ry = 0;
  for (const { r, y } of pairs) {
    rr += r * r;
    ry += r * y;
  }
  return rr > 1e-18 ? Math.min(1, Math.max(0, ry / rr)) : 0;
}

function predictCorrection(m: UtilisationModel, x: readonly number[][]): number[] {
  const out = gruForward(m.weights, x.map((r) => r.map((v, j) => (v - m.inMean[j]) / m.inSd[j])));
  return out.map((v, k) => v * m.outSd[k]);
}

/** Forecast for the step `horizon` after origin t; `steps[t + horizon].loadForecast` must be known (the rest of that step is not read). */
export function forecastUtilisation(m: UtilisationModel, steps: readonly UtilisationStep[], t: number): UtilisationForecast {
  if (t < m.window - 1) throw new RangeError(`origin ${t}: the model needs ${m.window} steps of history`);
  if (!steps[t + m.horizon]) throw new RangeError(`origin ${t}: give the load forecast for step ${t + m.horizon}`);
  const target = steps[t + m.horizon];
  const x = steps.slice(t - m.window + 1, t + 1).map((s) => stepInput(m, s, target));
  const correction = predictCorrection(m, x);
  const base = structural(m, steps, t);
  const useNet = m.useNet ?? [true, true];
  const cpu = Math.max(0, base[0] + (useNet[0] ? correction[0] : 0));
  const mem = Math.max(0, base[1] + (useNet[1] ? correction[1] : 0));
  return {
    cpu: { p50: cpu, p10: Math.max(0, cpu + m.lower[0]), p90: Math.max(0, cpu + m.upper[0]) },
    mem: { p50: mem, p10: Math.max(0, mem + m.lower[1]), p90: Math.max(0, mem + m.upper[1]) },
  };
}

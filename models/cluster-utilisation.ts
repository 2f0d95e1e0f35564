import { gruForward, type GruWeights } from './optim/gru-forward';
import { trainGruWindows } from './gru';
import { applyLoadMap, fitLoadMap, type LoadMap } from './load-map';
import { gateCorrection, sizeProblem, tooFewOriginsForTest, type PairedError } from './correction-gate';
import { conformalBand } from './residual-band';

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
 * The GRU's correction of an output is kept only when it earns it out of sample: rolling-origin
 * cross-validation on the training part (three consecutive blocks of the latest training origins;
 * each block is forecast by a fold fitted only on what was known at its start) and the gate of
 * models/correction-gate.ts (lower error in every block and for every member, and a Diebold–Mariano
 * test at 5 %, with at least two members). When in doubt the structural forecast stands alone — a
 * small net on ~100 noisy windows can add more noise than signal (benchmark run 4: a correction
 * that passed a single 20 % validation split hurt on the held-back steps). Intervals: split-conformal
 * P10/P90 of the folds' out-of-sample residuals of the forecast as it is made (the old in-sample
 * validation residuals covered 45–74 % of held-back targets for a nominal 80 %).
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
  /**
   * 'gate' (default): the GRU's correction of an output is kept only when the cross-validated gate
   * says so. 'always': kept regardless (what the models did before the gate; a benchmark baseline).
   */
  correction?: 'gate' | 'always';
  /** Share of a GRU's training windows (latest first) that picks its best epoch instead of training it (default 0.2). */
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
  /** Whether the GRU's correction is applied to CPU and to memory (the cross-validated gate decided). */
  useNet?: [boolean, boolean];
  /** Absent when no output keeps the GRU's correction (nothing to apply). */
  weights?: GruWeights;
  inMean: number[];
  inSd: number[];
  outSd: number[];
  /** Residual quantiles (cores, MiB): p10 and p90 per output (split-conformal on the folds' out-of-sample residuals). */
  lower: [number, number];
  upper: [number, number];
  /** Why each output's GRU correction was kept or not, and how many residuals set the band (absent in older models). */
  gate?: { cpu: string; mem: string; calibrationResiduals: number };
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

interface Net {
  weights: GruWeights;
  inMean: number[];
  inSd: number[];
  outSd: number[];
}

type Fitted = Structure & { window: number; horizon: number } & Partial<Net>;

/** Rolling-origin folds: the last CV_BLOCKS × CV_BLOCK_SHARE of the training origins, in consecutive blocks. */
const CV_BLOCKS = 3;
const CV_BLOCK_SHARE = 0.15;

export async function fitUtilisationModel(series: readonly InstanceSeries[], opts: UtilisationModelOptions): Promise<UtilisationModel> {
  const h = opts.horizon;
  const w = opts.window ?? 6;
  if (!(Number.isInteger(h) && h >= 1)) throw new RangeError(`horizon must be a positive integer of steps, got ${h}`);
  const windows: Window[] = [];
  series.forEach((ser, s) => {
    for (let t = w - 1; t + h < Math.min(opts.trainUntil, ser.steps.length); t++) windows.push({ s, t });
  });
  if (windows.length < 10) throw new RangeError(`utilisation model (horizon ${h}): only ${windows.length} training windows; collect more steps or shorten the window`);
  windows.sort((a, b) => a.t - b.t || a.s - b.s);
  const origins = [...new Set(windows.map((x) => x.t))];
  const blockLen = Math.floor(origins.length * CV_BLOCK_SHARE);
  const blocks = blockLen >= 1 ? Array.from({ length: CV_BLOCKS }, (_, b) => origins.slice(origins.length - (CV_BLOCKS - b) * blockLen, origins.length - (CV_BLOCKS - 1 - b) * blockLen)) : [];

  // A correction the gate could never keep (too few members, blocks or origins) is not fitted in
  // the folds: the verdict is known from the cross-validation windows alone.
  const slots = blocks.flatMap((block, b) => windows.filter((x) => x.t >= block[0] && x.t <= block[block.length - 1]).map((x) => ({ member: series[x.s].id, origin: x.t, block: b })));
  const tooSmall = opts.correction === 'always' ? undefined : (sizeProblem(slots) ?? tooFewOriginsForTest(new Set(slots.map((x) => x.origin)).size, h));
  // Out-of-sample errors from each fold: the fold fits on the windows whose targets are known at
  // the block's first origin, then forecasts every window of the block.
  const pairs: [PairedError[], PairedError[]] = [[], []];
  const residuals: { base: [number, number]; corrected?: [number, number] }[] = [];
  for (const [b, block] of blocks.entries()) {
    const cut = block[0];
    const fold = await fitStage(series, windows.filter((x) => x.t + h <= cut), cut, opts, w, !tooSmall);
    for (const win of windows.filter((x) => x.t >= cut && x.t <= block[block.length - 1])) {
      const steps = series[win.s].steps;
      const target = steps[win.t + h];
      const base = structural(fold, steps, win.t);
      const res: (typeof residuals)[number] = { base: [target.cpu - base[0], target.mem - base[1]] };
      if (fold.weights) {
        const c = predictCorrection(fold as Net, windowInput(fold, steps, win.t));
        res.corrected = [res.base[0] - c[0], res.base[1] - c[1]];
        for (const k of [0, 1]) pairs[k].push({ member: series[win.s].id, origin: win.t, block: b, base: Math.abs(res.base[k]), corrected: Math.abs(res.corrected[k]) });
      }
      residuals.push(res);
    }
  }
  const gates = [0, 1].map((k) => (tooSmall ? { keep: false, reason: tooSmall } : gateCorrection(pairs[k], { horizon: h })));
  const useNet: [boolean, boolean] = opts.correction === 'always' ? [true, true] : [gates[0].keep, gates[1].keep];
  // The net is trained (on all training windows) only when some output keeps its correction.
  const final = await fitStage(series, windows, opts.trainUntil - 1, opts, w, useNet[0] || useNet[1]);
  // Intervals: split-conformal quantiles of the fold residuals of the forecast as it will be made.
  let res = [0, 1].map((k) => residuals.map((r) => (useNet[k] && r.corrected ? r.corrected[k] : r.base[k])));
  // No folds (a short training part): in-sample residuals of the structure, which are too narrow.
  if (res[0].length === 0) res = [0, 1].map((k) => windows.map(({ s, t }) => (k === 0 ? series[s].steps[t + h].cpu : series[s].steps[t + h].mem) - structural(final, series[s].steps, t)[k]));
  const bands = res.map((r) => conformalBand(r, 0.1));
  return {
    horizon: h,
    window: w,
    cpuMap: final.cpuMap,
    rho: final.rho,
    useNet,
    ...(final.weights ? { weights: final.weights, inMean: final.inMean!, inSd: final.inSd!, outSd: final.outSd! } : { inMean: [], inSd: [], outSd: [] }),
    lower: [bands[0].lower, bands[1].lower],
    upper: [bands[0].upper, bands[1].upper],
    gate: { cpu: gates[0].reason, mem: gates[1].reason, calibrationResiduals: bands[0].n },
    trainedOn: windows.length,
  };
}

/** The inputs of the window ending at origin t (for the target t + horizon). */
function windowInput(m: Structure & { window: number; horizon: number }, steps: readonly UtilisationStep[], t: number): number[][] {
  const target = steps[t + m.horizon];
  return steps.slice(t - m.window + 1, t + 1).map((st) => stepInput(m, st, target));
}

/**
 * Structure (load map and rho) from the given windows and the steps up to lastStep, and, when
 * asked and there are enough windows, the GRU on what the structure leaves (its latest 20 % of
 * windows pick the best epoch and are not trained on).
 */
async function fitStage(series: readonly InstanceSeries[], windows: readonly Window[], lastStep: number, opts: UtilisationModelOptions, w: number, withNet: boolean): Promise<Fitted> {
  const h = opts.horizon;
  const mapSteps = series.flatMap((ser) => ser.steps.slice(0, lastStep + 1)).filter((x) => Number.isFinite(x.cpu) && Number.isFinite(x.load));
  const cpuMap = fitLoadMap(mapSteps.map((x) => x.load), mapSteps.map((x) => x.cpu));
  const rho = fitRho(
    windows.map(({ s, t }) => {
      const mapped = applyLoadMap(cpuMap, series[s].steps[t + h].loadForecast);
      return { r: mapped * recentResidual(cpuMap, series[s].steps, t, w), y: series[s].steps[t + h].cpu - mapped };
    }),
  );
  const structure = { cpuMap, rho, window: w, horizon: h };
  if (!withNet || windows.length < 10) return structure;
  const sample = ({ s, t }: Window) => {
    const steps = series[s].steps;
    const base = structural(structure, steps, t);
    return { x: windowInput(structure, steps, t), y: [steps[t + h].cpu - base[0], steps[t + h].mem - base[1]] };
  };
  const nVal = Math.max(2, Math.round(windows.length * (opts.validationShare ?? 0.2)));
  const trainS = windows.slice(0, windows.length - nVal).map(sample);
  const valS = windows.slice(windows.length - nVal).map(sample);
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
  return { ...structure, weights, inMean, inSd, outSd };
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

function predictCorrection(m: Net, x: readonly number[][]): number[] {
  const out = gruForward(m.weights, x.map((r) => r.map((v, j) => (v - m.inMean[j]) / m.inSd[j])));
  return out.map((v, k) => v * m.outSd[k]);
}

/** Forecast for the step `horizon` after origin t; `steps[t + horizon].loadForecast` must be known (the rest of that step is not read). */
export function forecastUtilisation(m: UtilisationModel, steps: readonly UtilisationStep[], t: number): UtilisationForecast {
  if (t < m.window - 1) throw new RangeError(`origin ${t}: the model needs ${m.window} steps of history`);
  if (!steps[t + m.horizon]) throw new RangeError(`origin ${t}: give the load forecast for step ${t + m.horizon}`);
  const useNet = m.useNet ?? [true, true];
  const correction = m.weights && (useNet[0] || useNet[1]) ? predictCorrection(m as Net, windowInput(m, steps, t)) : [0, 0];
  const base = structural(m, steps, t);
  const cpu = Math.max(0, base[0] + (useNet[0] ? correction[0] : 0));
  const mem = Math.max(0, base[1] + (useNet[1] ? correction[1] : 0));
  return {
    cpu: { p50: cpu, p10: Math.max(0, cpu + m.lower[0]), p90: Math.max(0, cpu + m.upper[0]) },
    mem: { p50: mem, p10: Math.max(0, mem + m.lower[1]), p90: Math.max(0, mem + m.upper[1]) },
  };
}

import type * as TF from '@tensorflow/tfjs';
import { FitOptions, FittedModel, Forecast, Forecaster, SerializedModel } from './contract';
import { validateSeries } from './validate';
import { assembleForecast, checkHorizon, mean, seriesScale, sortedFinite } from './optim/intervals';
import { gruForward, GruWeights } from './optim/gru-forward';
import { mulberry32 } from './random';

/**
 * A small GRU on @tensorflow/tfjs (pure JS, CPU backend set explicitly).
 *
 * - Input: the series divided by its scale, minus a daily shape (phase means of the series after
 *   removing a centred moving average, so level shifts stay in the residual the network sees),
 *   standardised. Each step also carries sin/cos of the daily phase. The weekly season needs
 *   three weeks (one detrended cycle is not a pattern) and is otherwise left to the network.
 * - Network: GRU(16) -> Dense(12): a direct 12-step forecast of changes from the last value,
 *   given a 16-step window; longer horizons roll forward in blocks of 12 (recursive), clamped to
 *   the training range so the recursion cannot drift off.
 * - Reproducible: seeded initialisers, seeded shuffling (tfjs' own shuffle uses Math.random, so
 *   it is off), no dropout. Same seed and data on the same machine -> identical weights.
 * - Intervals: residuals of the last 15% of windows (validation, never trained on; also used to
 *   keep the best epoch), step-1 quantiles scaled by the per-step RMSE ratio.
 * - Forecasting and restored models use a plain-JS forward pass (optim/gru-forward.ts), so the
 *   weights serialise as JSON arrays and forecasts take microseconds without loading tfjs.
 */

export interface GruConfig {
  /** Input window (steps). */
  window: number;
  /** Steps predicted directly per network call. */
  block: number;
  units: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Cap on training windows (evenly subsampled): tfjs on CPU pays per op, not per sample. */
  maxTrain: number;
}

/** Defaults sized for 4,032 points in well under 20 s on 2 cores. */
export const DEFAULT_GRU_CONFIG: GruConfig = { window: 16, block: 12, units: 16, epochs: 6, batchSize: 128, learningRate: 0.01, maxTrain: 1024 };
const MIN_SAMPLES = 60;

interface GruState {
  config: GruConfig;
  n: number;
  scale: number;
  /** Daily shape (normalised units) by phase, and its period (0 = none). */
  m: number;
  shape: number[];
  weekly: number;
  weeklyShape: number[];
  mu: number;
  sd: number;
  /** Clamp range for standardised predictions. */
  lo: number;
  hi: number;
  /** Last `window` standardised residuals. */
  lastWindow: number[];
  weights: GruWeights | null;
  residuals: number[];
  /** RMSE at each of the `block` steps relative to step 1, from validation. */
  stepSpread: number[];
  lastValue: number;
  /** History had no negative values: forecasts are clipped at zero. */
  nonNegative: boolean;
  seed: number;
  epochs: number;
  valRmse: number;
  coldStart: boolean;
  notes: string[];
}

function centredMovingAverage(z: readonly number[], m: number): Float64Array {
  const n = z.length;
  const prefix = new Float64Array(n + 1);
  for (let t = 0; t < n; t++) prefix[t + 1] = prefix[t] + z[t];
  const out = new Float64Array(n);
  const half = Math.floor(m / 2);
  for (let t = 0; t < n; t++) {
    const a = Math.max(0, t - half);
    const b = Math.min(n, t - half + m);
    out[t] = (prefix[b] - prefix[a]) / Math.max(1, b - a);
  }
  return out;
}

/** Mean-zero seasonal shape of period m from the detrended series. */
function seasonalShape(z: readonly number[], m: number): number[] {
  const trend = centredMovingAverage(z, m);
  const sums = new Float64Array(m);
  const counts = new Float64Array(m);
  for (let t = 0; t < z.length; t++) {
    sums[t % m] += z[t] - trend[t];
    counts[t % m]++;
  }
  const shape = Array.from(sums, (s, j) => s / Math.max(1, counts[j]));
  const avg = mean(shape);
  return shape.map((v) => v - avg);
}

/**
 * Network input for the window s[start, start + window): each step carries its value minus the
 * window's last value (so "no change" is the zero output the net starts from) and the daily
 * phase. Targets are changes from that last value too. The absolute level is left out on
 * purpose: with it the net learned to revert to the training mean and failed after level shifts.
 */
function windowInput(s: readonly number[], start: number, window: number, m: number, phaseOffset = 0): number[][] {
  const anchor = s[start + window - 1];
  const rows: number[][] = [];
  for (let i = 0; i < window; i++) {
    const v = s[start + i];
    const row = [v - anchor];
    if (m >= 2) {
      const w = (2 * Math.PI * ((phaseOffset + start + i) % m)) / m;
      row.push(Math.sin(w), Math.cos(w));
    }
    rows.push(row);
  }
  return rows;
}

function seasonalAt(state: Pick<GruState, 'm' | 'shape' | 'weekly' | 'weeklyShape'>, index: number): number {
  return (state.m ? state.shape[index % state.m] : 0) + (state.weekly ? state.weeklyShape[index % state.weekly] : 0);
}

/** Standardised predictions for `horizon` steps after the series end, rolled forward in blocks. */
function rollForward(w: GruWeights, cfg: GruConfig, lastWindow: readonly number[], n: number, m: number, horizon: number, lo: number, hi: number): number[] {
  // Values are indexed on the series timeline from n - window so the phases line up.
  const offset = n - cfg.window;
  const values = lastWindow.slice();
  while (values.length - cfg.window < horizon) {
    const start = values.length - cfg.window;
    const anchor = values[values.length - 1];
    const input = windowInput(values, start, cfg.window, m, offset);
    for (const v of gruForward(w, input)) values.push(Math.min(hi, Math.max(lo, Number.isFinite(v) ? anchor + v : anchor)));
  }
  return values.slice(cfg.window, cfg.window + horizon);
}

class GruModel implements FittedModel {
  readonly name = 'gru';
  constructor(private readonly state: GruState) {}

  forecast(horizon: number): Forecast {
    return this.forecastWith(this.state.lastWindow, this.state.n, this.state.lastValue, horizon);
  }

  /** Forecast from the end of `history` (same start as the fitted series) with the fitted net. */
  forecastFrom(history: readonly number[], horizon: number): Forecast {
    const s = this.state;
    const n = history.length;
    if (n === 0) return this.forecast(horizon);
    const standard = (v: number, t: number): number => (v / s.scale - seasonalAt(s, t) - s.mu) / s.sd;
    const needed = s.weights ? s.config.window : 1;
    // Pad a short history with its first value so the window is always full.
    const window = Array.from({ length: needed }, (_, i) => {
      const t = Math.max(0, n - needed + i);
      return standard(history[t], t);
    });
    return this.forecastWith(window, n, history[n - 1], horizon);
  }

  private forecastWith(lastWindow: readonly number[], n: number, lastValue: number, horizon: number): Forecast {
    checkHorizon(horizon);
    const s = this.state;
    const cfg = s.config;
    const standard = s.weights
      ? rollForward(s.weights, cfg, lastWindow, n, s.m, horizon, s.lo, s.hi)
      : new Array<number>(horizon).fill(lastWindow[lastWindow.length - 1] ?? 0);
    const point = standard.map((v, h) => (v * s.sd + s.mu + seasonalAt(s, n + h)) * s.scale);
    const spread = (h: number): number => {
      const k = Math.min(h, cfg.block - 1);
      // Beyond one block the recursion compounds errors: random-walk growth per block.
      return (s.stepSpread[k] ?? 1) * Math.sqrt(Math.max(1, (h + 1) / cfg.block));
    };
    return assembleForecast({ model: this.name, point, residuals: s.residuals, spread, notes: s.notes, coldStart: s.coldStart, fallbackValue: lastValue, nonNegative: s.nonNegative });
  }

  serialize(): SerializedModel {
    return { model: this.name, version: 1, state: this.state };
  }

  describe(): string {
    const s = this.state;
    const c = s.config;
    if (!s.weights) return `gru not trained (${s.notes.join('; ')}): seasonal shape + last level`;
    const seasons = [s.m ? `daily shape ${s.m}` : '', s.weekly ? `weekly shape ${s.weekly}` : ''].filter(Boolean).join(', ') || 'no seasonal shape';
    return `GRU(${c.units}) window ${c.window} -> ${c.block} steps, best epoch ${s.epochs}/${c.epochs}, seed ${s.seed}, ${seasons}, validation RMSE ${s.valRmse.toPrecision(3)}`;
  }
}

async function loadTf(): Promise<typeof TF> {
  const tf = await import('@tensorflow/tfjs');
  // Pure-JS CPU backend: deterministic and available everywhere (no tfjs-node, no WebGL).
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  await tf.ready();
  // Production mode skips per-op debug checks and the "install tfjs-node" banner on stderr.
  tf.enableProdMode();
  return tf;
}

interface Training {
  weights: GruWeights;
  epochs: number;
}

async function readWeights(model: TF.Sequential, cfg: GruConfig, inputDim: number): Promise<GruWeights> {
  const arrays = await Promise.all(model.getWeights().map(async (w) => Array.from(await w.data())));
  const [kernel, recurrentKernel, bias, denseKernel, denseBias] = arrays;
  return { units: cfg.units, inputDim, kernel, recurrentKernel, bias, denseKernel, denseBias, outputs: cfg.block };
}

function validationMse(w: GruWeights, valX: readonly number[][][], valY: readonly number[][]): number {
  let acc = 0;
  let count = 0;
  valX.forEach((x, i) => {
    gruForward(w, x).forEach((p, k) => {
      acc += (p - valY[i][k]) ** 2;
      count++;
    });
  });
  return count ? acc / count : Infinity;
}

async function train(tf: typeof TF, cfg: GruConfig, data: { xs: number[][][]; ys: number[][]; valX: number[][][]; valY: number[][] }, seed: number, inputDim: number): Promise<Training> {
  const model = tf.sequential();
  model.add(
    tf.layers.gru({
      units: cfg.units,
      inputShape: [cfg.window, inputDim],
      recurrentActivation: 'sigmoid',
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
      recurrentInitializer: tf.initializers.orthogonal({ seed: seed + 1 }),
      biasInitializer: 'zeros',
    }),
  );
  model.add(tf.layers.dense({ units: cfg.block, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }), biasInitializer: 'zeros' }));
  model.compile({ optimizer: tf.train.adam(cfg.learningRate), loss: 'meanSquaredError' });
  const rand = mulberry32(seed + 3);
  const { xs, ys, valX, valY } = data;
  let best = Infinity;
  let bestWeights = await readWeights(model, cfg, inputDim);
  let bestEpoch = 0;
  try {
    for (let epoch = 0; epoch < cfg.epochs; epoch++) {
      // Seeded Fisher-Yates: the order of batches is the only randomness during training.
      const order = xs.map((_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      const x = tf.tensor3d(order.map((i) => xs[i]));
      const y = tf.tensor2d(order.map((i) => ys[i]));
      try {
        await model.fit(x, y, { epochs: 1, batchSize: cfg.batchSize, shuffle: false, verbose: 0 });
      } finally {
        x.dispose();
        y.dispose();
      }
      // Validation through the plain-JS forward pass: far cheaper than tfjs for a tiny net.
      const weights = await readWeights(model, cfg, inputDim);
      const loss = validationMse(weights, valX, valY);
      if (loss < best) {
        // Keep the best validation epoch (early stopping without the patience wait).
        best = loss;
        bestEpoch = epoch + 1;
        bestWeights = weights;
      }
    }
    return { weights: bestWeights, epochs: bestEpoch };
  } finally {
    model.dispose();
  }
}

/** A GRU forecaster with its own training budget (tests use fewer epochs). */
export function createGruForecaster(overrides: Partial<GruConfig> = {}): Forecaster {
  const cfg: GruConfig = { ...DEFAULT_GRU_CONFIG, ...overrides };
  return {
    name: 'gru',
    async fit(values: readonly number[], opts: FitOptions = {}): Promise<FittedModel> {
      validateSeries(values);
      const n = values.length;
      const seed = opts.seed ?? 42;
      const scale = seriesScale(values);
      const z = values.map((v) => v / scale);
      const wanted = (opts.seasons ?? []).filter((p) => Number.isInteger(p) && p > 1).sort((a, b) => a - b);
      const m = wanted.find((p) => n >= 2 * p) ?? 0;
      const weekly = wanted.find((p) => p > m && m > 0 && n >= 3 * p) ?? 0;
      const coldStart = wanted.length > 0 && m === 0;
      const notes: string[] = coldStart ? [`cold start: ${n} points is less than two seasons; no seasonal shape`] : [];
      const shape = m ? seasonalShape(z, m) : [];
      const daily = z.map((v, t) => v - (m ? shape[t % m] : 0));
      const weeklyShape = weekly ? seasonalShape(daily, weekly) : [];
      const seasonal = { m, shape, weekly, weeklyShape };
      // Same expression as forecastFrom uses, so both see bit-identical inputs.
      const r = z.map((v, t) => v - seasonalAt(seasonal, t));
      const mu = mean(r);
      const sd = Math.sqrt(mean(r.map((v) => (v - mu) ** 2)));
      const base = { config: cfg, n, scale, m, shape, weekly, weeklyShape, lastValue: values[n - 1], nonNegative: values.every((v) => v >= 0), seed };
      const samples = n - cfg.window - cfg.block + 1;

      if (!(sd > 1e-9) || samples < MIN_SAMPLES) {
        // Nothing for a network to learn (flat) or too few windows: carry the last level forward.
        const why = !(sd > 1e-9) ? 'series has no variation beyond its seasonal shape' : `only ${Math.max(0, samples)} training windows (< ${MIN_SAMPLES})`;
        const last = values[n - 1];
        const diffs = sortedFinite(values.slice(1).map((v, i) => v - values[i]));
        const residuals = diffs.length >= 10 ? diffs : sortedFinite([...diffs, -0.5 * last, 0.5 * last]);
        return new GruModel({
          ...base,
          mu: 0,
          sd: 1,
          lo: 0,
          hi: 0,
          lastWindow: [r[n - 1]],
          weights: null,
          residuals,
          stepSpread: Array.from({ length: cfg.block }, (_, k) => Math.sqrt(k + 1)),
          epochs: 0,
          valRmse: 0,
          coldStart: true,
          notes: [...notes, `GRU not trained: ${why}`],
        });
      }

      const s = r.map((v) => (v - mu) / sd);
      const lo = Math.min(...s) - 1;
      const hi = Math.max(...s) + 1;
      const inputDim = m >= 2 ? 3 : 1;
      const windowAt = (start: number): number[][] => windowInput(s, start, cfg.window, m);
      const targetAt = (start: number): number[] => {
        const anchor = s[start + cfg.window - 1];
        return s.slice(start + cfg.window, start + cfg.window + cfg.block).map((v) => v - anchor);
      };
      // The last 15% of windows are validation: never trained on, they give the intervals.
      const nVal = Math.max(cfg.block, Math.floor(samples * 0.15));
      const nTrain = samples - nVal;
      // Subsample the training windows evenly when there are many: neighbours overlap heavily anyway.
      const stride = Math.max(1, Math.ceil(nTrain / cfg.maxTrain));
      const trainStarts: number[] = [];
      for (let i = nTrain - 1; i >= 0; i -= stride) trainStarts.push(i);
      const valStarts = Array.from({ length: nVal }, (_, i) => nTrain + i);

      const tf = await loadTf();
      const data = { xs: trainStarts.map(windowAt), ys: trainStarts.map(targetAt), valX: valStarts.map(windowAt), valY: valStarts.map(targetAt) };
      const { weights, epochs } = await train(tf, cfg, data, seed, inputDim);

      // Validation errors through the same forward pass and clamp the forecasts use, in series units.
      const stepErrors: number[][] = Array.from({ length: cfg.block }, () => []);
      valStarts.forEach((start, i) => {
        const anchor = s[start + cfg.window - 1];
        const pred = gruForward(weights, data.valX[i]);
        for (let k = 0; k < cfg.block; k++) {
          const predicted = Math.min(hi, Math.max(lo, anchor + pred[k]));
          stepErrors[k].push((s[start + cfg.window + k] - predicted) * sd * scale);
        }
      });
      const rmse = stepErrors.map((e) => Math.sqrt(mean(e.map((v) => v * v))));
      const first = rmse[0] > 0 ? rmse[0] : 1;
      // Errors should not shrink with the step; keep the ratios non-decreasing.
      const stepSpread: number[] = [];
      rmse.forEach((v, k) => stepSpread.push(Math.max(k ? stepSpread[k - 1] : 1, v / first)));
      return new GruModel({
        ...base,
        mu,
        sd,
        lo,
        hi,
        lastWindow: s.slice(n - cfg.window),
        weights,
        residuals: sortedFinite(stepErrors[0]),
        stepSpread,
        epochs,
        valRmse: mean(rmse) / scale / sd,
        coldStart,
        notes,
      });
    },
    deserialize(json: SerializedModel): FittedModel {
      if (json.model !== 'gru') throw new Error(`cannot deserialize ${json.model} as gru`);
      return new GruModel(json.state as GruState);
    },
  };
}

export const gruForecaster: Forecaster = createGruForecaster();

/**
 * The same GRU(units) → Dense(outputs) training (seeded, best validation epoch kept) for callers
 * with their own multivariate windows, e.g. the per-cluster utilisation model
 * (models/cluster-utilisation.ts). Returns weights for `gruForward`.
 */
export async function trainGruWindows(
  data: { xs: number[][][]; ys: number[][]; valX: number[][][]; valY: number[][] },
  cfg: Pick<GruConfig, 'units' | 'epochs' | 'batchSize' | 'learningRate'> & { window: number; outputs: number },
  seed: number,
): Promise<{ weights: GruWeights; epochs: number }> {
  const inputDim = data.xs[0]?.[0]?.length ?? 0;
  if (inputDim === 0) throw new RangeError('trainGruWindows: no training windows (xs is empty)');
  const tf = await loadTf();
  const full: GruConfig = { ...DEFAULT_GRU_CONFIG, ...cfg, block: cfg.outputs, maxTrain: data.xs.length };
  return train(tf, full, data, seed, inputDim);
}

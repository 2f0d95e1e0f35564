import { FitOptions, FittedModel, Forecast, Forecaster, QUANTILE_LEVELS, QUANTILE_PROBABILITY, QuantileLevel, SerializedModel } from './contract';
import { emptyQuantiles, finalizeForecast, isNonNegative, quantileSorted } from './quantiles';

/**
 * Conformal calibration of any model's quantiles. Rolling-origin forecasts inside the training
 * data give out-of-sample errors per horizon step; each error is normalised by the model's own
 * half-width of the 90% band at that step (so a model that knows peaks are riskier keeps that
 * shape), and the calibrated quantile at level p is point + Q_p(normalised errors)·half-width.
 * Neighbouring steps are pooled because a handful of origins gives too few errors per step.
 */

export interface OriginForecast {
  origin: number;
  forecast: Forecast;
}

export interface RollingOptions {
  horizon: number;
  /** Number of calibration origins (the last one ends exactly at the end of the history). */
  origins?: number;
  /** Steps between origins (default ⌈h/2⌉). */
  stride?: number;
  fitOptions?: FitOptions;
  /** Shortest training part accepted for the first origin. */
  minTrain?: number;
  /** Models without `forecastFrom` are refitted at no more than this many origins. */
  maxRefits?: number;
  /** Time budget for the refits of one model (ms), judged from the first fit's cost. */
  budgetMs?: number;
}

/** Origins o_c = n − h − stride·(C−1−c), dropping those with too little training data. */
export function calibrationOrigins(n: number, opts: RollingOptions): number[] {
  const h = opts.horizon;
  const count = opts.origins ?? 8;
  const stride = opts.stride ?? Math.max(1, Math.ceil(h / 2));
  const minTrain = opts.minTrain ?? 2;
  const out: number[] = [];
  for (let c = 0; c < count; c++) {
    const o = n - h - stride * (count - 1 - c);
    if (o >= minTrain) out.push(o);
  }
  return out;
}

/**
 * Forecasts from each calibration origin. Models with `forecastFrom` are fitted once before the
 * first origin and rolled forward without refitting (cheap and still out of sample); the others
 * are refitted at each origin.
 */
export async function rollingForecasts(
  values: readonly number[],
  forecaster: Forecaster,
  origins: readonly number[],
  opts: RollingOptions,
): Promise<OriginForecast[]> {
  if (origins.length === 0) return [];
  const out: OriginForecast[] = [];
  const fitAt = (o: number) => forecaster.fit(values.slice(0, o), { ...opts.fitOptions, horizon: opts.horizon });
  const t0 = performance.now();
  const first = await fitAt(origins[0]);
  const fitCost = performance.now() - t0;
  // Refitting is the expensive path: keep the first origin plus the most recent ones, as many
  // as the time budget allows (a slow neural fit may get none).
  const affordable = opts.budgetMs !== undefined && fitCost > 0 ? Math.floor(opts.budgetMs / fitCost) : Infinity;
  const maxRefits = Math.min(opts.maxRefits ?? Infinity, affordable + 1);
  const refitFrom = origins.length - Math.max(0, maxRefits - 1);
  for (let c = 0; c < origins.length; c++) {
    const origin = origins[c];
    let forecast: Forecast;
    if (c === 0) forecast = first.forecast(opts.horizon);
    else if (first.forecastFrom) forecast = first.forecastFrom(values.slice(0, origin), opts.horizon);
    else if (c >= refitFrom) forecast = (await fitAt(origin)).forecast(opts.horizon);
    else continue;
    out.push({ origin, forecast });
  }
  return out;
}

/** Per-step, per-level multipliers of the model's half-width; serialisable. */
export interface Calibration {
  horizon: number;
  /** factors[level][j]: calibrated q = point + factor·halfWidth at step j. */
  factors: Record<QuantileLevel, number[]>;
  samples: number;
}

/** Half-width of the model's central 90% band, floored so a zero-width model can still be scaled. */
function halfWidth(f: Forecast, j: number, floor: number): number {
  const w = (f.quantiles.p95[j] - f.quantiles.p05[j]) / 2;
  return Number.isFinite(w) && w > floor ? w : floor;
}

/** Scale used to floor half-widths: a small share of the typical magnitude of the series. */
export function widthFloor(values: readonly number[]): number {
  const tail = values.slice(-500);
  const meanAbs = tail.reduce((s, v) => s + Math.abs(v), 0) / Math.max(1, tail.length);
  return Math.max(1e-9, 0.01 * meanAbs);
}

export function calibrate(values: readonly number[], rolled: readonly OriginForecast[], horizon: number): Calibration | undefined {
  const floor = widthFloor(values);
  // scores[j] = normalised errors (y − point)/halfWidth at step j over the origins.
  const scores: number[][] = Array.from({ length: horizon }, () => []);
  for (const { origin, forecast } of rolled) {
    for (let j = 0; j < horizon && origin + j < values.length; j++) {
      const e = values[origin + j] - forecast.point[j];
      const s = e / halfWidth(forecast, j, floor);
      if (Number.isFinite(s)) scores[j].push(s);
    }
  }
  const total = scores.reduce((s, a) => s + a.length, 0);
  if (total < 10) return undefined;
  const factors = emptyQuantiles();
  for (let j = 0; j < horizon; j++) {
    // Pool a window of neighbouring steps that widens with the horizon (errors change slowly there).
    const w = Math.max(1, Math.round(j / 4));
    let pool: number[] = [];
    for (let k = Math.max(0, j - w); k <= Math.min(horizon - 1, j + w); k++) pool = pool.concat(scores[k]);
    pool.sort((a, b) => a - b);
    const n = pool.length;
    for (const level of QUANTILE_LEVELS) {
      const p = QUANTILE_PROBABILITY[level];
      // Split-conformal finite-sample correction: push the tail levels outward by 1/(n+1).
      const adj = p < 0.5 ? Math.max(0, p - p / (n + 1)) : p > 0.5 ? Math.min(1, p + (1 - p) / (n + 1)) : p;
      factors[level].push(n ? quantileSorted(pool, adj) : level === 'p50' ? 0 : NaN);
    }
  }
  return { horizon, factors, samples: total };
}

/** Apply a calibration to a forecast (steps beyond the calibrated horizon reuse the last one). */
export function applyCalibration(f: Forecast, cal: Calibration | undefined, values: readonly number[] | number, nonNegative: boolean): Forecast {
  if (!cal) return f;
  const floor = typeof values === 'number' ? values : widthFloor(values);
  const q = emptyQuantiles();
  for (let j = 0; j < f.horizon; j++) {
    const hw = halfWidth(f, j, floor);
    const jj = Math.min(j, cal.horizon - 1);
    // Beyond the calibrated horizon widen with sqrt of the extra steps.
    const grow = j > jj ? Math.sqrt((j + 1) / (jj + 1)) : 1;
    for (const level of QUANTILE_LEVELS) {
      const factor = cal.factors[level][jj];
      q[level].push(Number.isFinite(factor) ? f.point[j] + factor * hw * grow : f.quantiles[level][j]);
    }
  }
  const notes = [...(f.notes ?? []), `intervals conformally calibrated on ${cal.samples} out-of-sample errors`];
  return finalizeForecast({ ...f, quantiles: q, notes }, nonNegative);
}

interface ConformalState {
  inner: SerializedModel;
  calibration?: Calibration;
  floor: number;
  nonNegative: boolean;
}

/** Wrap a forecaster so its fitted models emit calibrated quantiles. */
export function conformalForecaster(base: Forecaster, opts: Omit<RollingOptions, 'horizon'> & { horizon?: number } = {}): Forecaster {
  const wrap = (inner: FittedModel, state: ConformalState): FittedModel => ({
    name: inner.name,
    forecast: (h) => applyCalibration(inner.forecast(h), state.calibration, state.floor, state.nonNegative),
    forecastFrom: inner.forecastFrom
      ? (history, h) => applyCalibration(inner.forecastFrom!(history, h), state.calibration, state.floor, state.nonNegative)
      : undefined,
    serialize: () => ({ model: `conformal:${inner.name}`, version: 1, state: { ...state, inner: inner.serialize() } }),
    describe: () => `${inner.describe()}; conformal intervals (${state.calibration?.samples ?? 0} errors)`,
  });
  return {
    name: base.name,
    async fit(values, fitOptions = {}) {
      const horizon = fitOptions.horizon ?? opts.horizon ?? 1;
      const rolling: RollingOptions = { ...opts, horizon, fitOptions };
      const origins = calibrationOrigins(values.length, rolling);
      const rolled = await rollingForecasts(values, base, origins, rolling);
      const calibration = calibrate(values, rolled, horizon);
      const inner = await base.fit(values, fitOptions);
      return wrap(inner, { inner: inner.serialize(), calibration, floor: widthFloor(values), nonNegative: isNonNegative(values) });
    },
    deserialize(json) {
      const state = json.state as ConformalState;
      return wrap(base.deserialize(state.inner), state);
    },
  };
}

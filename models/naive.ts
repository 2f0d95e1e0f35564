import { FitOptions, FittedModel, Forecast, Forecaster, PointStepper, QUANTILE_LEVELS, SerializedModel } from './contract';
import { validateSeries } from './validate';
import { Z, emptyQuantiles, finalizeForecast, isNonNegative, replayQuantiles } from './quantiles';

/**
 * The simple forecasters: naive (last value), multi-season seasonal naive, and EWMA (simple
 * exponential smoothing). They are the baselines every other model must beat, and the cold-start
 * fallback. Intervals come from replaying the same rule over the recent history.
 */

/** History kept in the serialized state: enough for the error replay, small enough for JSON. */
const TAIL = 4000;
/** Below this many replayable origins the errors say little: use a wide ±50%-of-level band. */
const MIN_ORIGINS = 20;

interface NaiveState {
  kind: 'naive' | 'seasonalNaive' | 'ewma';
  /** Season used (1 for naive and EWMA). */
  season: number;
  alpha: number;
  tail: number[];
  coldStart: boolean;
  nonNegative: boolean;
  note: string;
}

class SimpleModel implements FittedModel {
  constructor(readonly name: string, private readonly state: NaiveState) {}

  forecast(horizon: number): Forecast {
    return this.forecastFrom(this.state.tail, horizon);
  }

  forecastFrom(history: readonly number[], horizon: number): Forecast {
    const s = this.state;
    const y = history.length > TAIL ? history.slice(history.length - TAIL) : history;
    const n = y.length;
    const season = s.season <= n ? s.season : 1;
    let point: number[];
    let predict: (origin: number, step: number) => number;
    if (s.kind === 'ewma') {
      const levels = smoothLevels(y, s.alpha);
      point = new Array(horizon).fill(levels[n]);
      predict = (o) => levels[o];
    } else {
      point = Array.from({ length: horizon }, (_, j) => y[n - season + (j % season)]);
      // Forecast for step j repeats the value k = season·ceil(j/season) steps back.
      predict = (o, j) => {
        const k = season * Math.ceil(j / season);
        return o + j - 1 - k >= 0 ? y[o + j - 1 - k] : y[0];
      };
    }
    const origins = n - season;
    const wide = s.coldStart || origins < MIN_ORIGINS;
    const quantiles = wide ? wideBand(point, y) : replayQuantiles(y, point, predict, { minOrigin: season });
    quantiles.p50 = point.slice();
    const notes = s.note ? [s.note] : [];
    if (wide) notes.push('short history: wide ±50%-of-level intervals');
    return finalizeForecast({ model: this.name, horizon, point, quantiles, coldStart: s.coldStart, notes }, s.nonNegative);
  }

  pointFrom(history: readonly number[], horizon: number): number[] {
    const s = this.state;
    const n = history.length;
    if (n === 0) return this.forecast(horizon).point;
    if (s.kind === 'ewma') {
      // The level forgets old values geometrically: 10/alpha steps carry all but e^-10 of it.
      const from = Math.max(0, n - Math.ceil(10 / s.alpha) - 1);
      let level = history[from];
      for (let t = from + 1; t < n; t++) level += s.alpha * (history[t] - level);
      return new Array<number>(horizon).fill(level);
    }
    const season = s.season <= n ? s.season : 1;
    return Array.from({ length: horizon }, (_, j) => history[n - season + (j % season)]);
  }

  pointStepper(history: readonly number[]): PointStepper {
    const s = this.state;
    if (s.kind === 'ewma') {
      let level = this.pointFrom(history, 1)[0];
      return { push: (v) => (level += s.alpha * (v - level)), path: (h) => new Array<number>(h).fill(level) };
    }
    // The last `season` values in a ring: naive is season 1.
    const season = s.kind === 'naive' ? 1 : s.season;
    const ring = history.slice(-season);
    let head = 0; // index in `ring` of the oldest value once it is full
    let full = ring.length === season;
    return {
      push: (v) => {
        if (!full) {
          ring.push(v);
          full = ring.length === season;
        } else {
          ring[head] = v;
          head = (head + 1) % season;
        }
      },
      path: (h) => {
        if (!full) return new Array<number>(h).fill(ring.length ? ring[ring.length - 1] : 0);
        return Array.from({ length: h }, (_, j) => ring[(head + (j % season)) % season]);
      },
    };
  }

  serialize(): SerializedModel {
    return { model: this.name, version: 1, state: this.state };
  }

  describe(): string {
    const s = this.state;
    if (s.kind === 'ewma') return `EWMA, alpha ${s.alpha.toFixed(3)}${s.coldStart ? ' (cold start)' : ''}`;
    if (s.kind === 'naive') return 'naive (last value)';
    return s.season === 1 ? `seasonal naive fell back to naive: ${s.note}` : `seasonal naive, season ${s.season}${s.note ? `; ${s.note}` : ''}`;
  }
}

/** Cold start: nothing to learn the error from, so buffer generously (±50% of the level at P05/P95). */
function wideBand(point: readonly number[], y: readonly number[]) {
  const recent = y.slice(-Math.min(y.length, 24));
  const level = Math.max(...recent.map(Math.abs), 1e-9);
  const spread = recent.length > 1 ? Math.max(...recent) - Math.min(...recent) : 0;
  const sd = (Math.max(0.5 * level, spread) / Z.p95);
  const q = emptyQuantiles();
  for (const lv of QUANTILE_LEVELS) q[lv] = point.map((p, j) => p + Z[lv] * sd * Math.sqrt(1 + j / 12));
  return q;
}

/** levels[t] = EWMA of y[0, t): the one-step forecast for y[t]. levels[n] forecasts the future. */
export function smoothLevels(y: readonly number[], alpha: number): number[] {
  const n = y.length;
  const levels = new Array<number>(n + 1);
  const warm = Math.min(n, Math.max(1, Math.round(1 / alpha)));
  let l = 0;
  for (let i = 0; i < warm; i++) l += y[i];
  l /= warm;
  levels[0] = l;
  for (let t = 0; t < n; t++) {
    l = l + alpha * (y[t] - l);
    levels[t + 1] = l;
  }
  return levels;
}

/** Grid search for the smoothing weight that minimises one-step squared error on recent data. */
export function fitAlpha(y: readonly number[]): number {
  const data = y.length > 5000 ? y.slice(y.length - 5000) : y;
  let best = 0.5;
  let bestErr = Infinity;
  for (const alpha of [0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]) {
    const levels = smoothLevels(data, alpha);
    let err = 0;
    for (let t = 1; t < data.length; t++) err += (data[t] - levels[t]) ** 2;
    if (err < bestErr) {
      bestErr = err;
      best = alpha;
    }
  }
  return best;
}

/**
 * Multi-season choice: among the seasons with two full cycles of history, keep the one whose
 * seasonal-naive rule had the smallest recent error (daily beats weekly on some series and
 * loses on others, e.g. when weekends differ).
 */
export function chooseSeason(y: readonly number[], seasons: readonly number[]): { season: number; note: string } {
  const usable = seasons.filter((m) => m >= 1 && y.length >= 2 * m);
  if (usable.length === 0) {
    const wanted = seasons.length ? seasons.join(', ') : 'none given';
    return { season: 1, note: `cold start: ${y.length} points < 2 seasons (${wanted}), repeating the last value` };
  }
  if (usable.length === 1) return { season: usable[0], note: '' };
  const longest = Math.max(...usable);
  const from = Math.max(longest, y.length - Math.max(longest, 4 * Math.min(...usable)));
  let best = usable[0];
  let bestErr = Infinity;
  const scores: string[] = [];
  for (const m of usable) {
    let err = 0;
    for (let t = from; t < y.length; t++) err += Math.abs(y[t] - y[t - m]);
    err /= y.length - from;
    scores.push(`${m}: ${err.toPrecision(3)}`);
    // A longer season must win clearly (3%): on noise the pick would otherwise be a coin toss.
    if (err < bestErr * (m > best ? 0.97 : 1)) {
      bestErr = err;
      best = m;
    }
  }
  return { season: best, note: `season ${best} chosen by recent MAE (${scores.join(', ')})` };
}

function makeForecaster(kind: NaiveState['kind']): Forecaster {
  return {
    name: kind,
    async fit(values: readonly number[], opts: FitOptions = {}): Promise<FittedModel> {
      validateSeries(values, 1);
      const tail = values.slice(Math.max(0, values.length - TAIL));
      const nonNegative = isNonNegative(values);
      if (kind === 'seasonalNaive') {
        const { season, note } = chooseSeason(tail, opts.seasons ?? []);
        const coldStart = season === 1 && (opts.seasons ?? []).some((m) => m > 1);
        return new SimpleModel(kind, { kind, season, alpha: 1, tail, coldStart, nonNegative, note });
      }
      const coldStart = (opts.seasons ?? []).some((m) => m > 1 && values.length < 2 * m) || values.length < MIN_ORIGINS;
      const alpha = kind === 'ewma' ? fitAlpha(tail) : 1;
      return new SimpleModel(kind, { kind, season: 1, alpha, tail, coldStart, nonNegative, note: '' });
    },
    deserialize(json: SerializedModel): FittedModel {
      if (json.model !== kind) throw new Error(`cannot deserialize a ${json.model} model as ${kind}`);
      return new SimpleModel(kind, json.state as NaiveState);
    },
  };
}

export const naiveForecaster = makeForecaster('naive');
export const seasonalNaiveForecaster = makeForecaster('seasonalNaive');
export const ewmaForecaster = makeForecaster('ewma');

import { FitOptions, FittedModel, Forecast, ForecastEvent, ForecastInputError, Forecaster, PointStepper, SerializedModel } from './contract';
import { validateSeries } from './validate';
import { assembleForecast, checkHorizon, mean, sortedFinite } from './optim/intervals';
import { normalEquations, ridgeSolve } from './linalg';

/**
 * Prophet-style additive model (Taylor & Letham 2018), solved as penalised least squares:
 *   y(t) = trend(t) + sum of Fourier seasonalities + event effects + noise.
 * - Trend: piecewise linear, 25 candidate changepoints over the first 80% of history; the slope
 *   changes get an L1 penalty (Prophet's Laplace prior, changepoint scale 0.05) solved by
 *   iteratively reweighted ridge, so most of them shrink to zero.
 * - Seasonality: Fourier terms with an L2 penalty. Periods come from `stepSeconds` (daily when
 *   >= 2 days of data, weekly when >= 2 weeks) and any other period in `opts.seasons`.
 * - Events (`opts.events`, index-based, see FitOptions): names seen in the history get an
 *   indicator column, so they do not distort trend and seasonality, and their multiplier is
 *   learned from the data; future windows scale the forecast by the learned multiplier, or by
 *   the given one for names never seen (the "marketing campaign" trigger).
 * Intervals: in-sample residual quantiles, widened by the variance of future trend changes
 * (changepoints at the historical rate with the fitted mean |slope change|), as Prophet does.
 */

const CHANGEPOINT_PRIOR_SCALE = 0.05;
const SEASONALITY_PRIOR_SCALE = 10;
const MAX_CHANGEPOINTS = 25;
const CHANGEPOINT_RANGE = 0.8;
/** Events with at least this many observed points have their multiplier learned. */
const MIN_EVENT_POINTS = 3;

interface Seasonality {
  period: number;
  order: number;
  label: string;
}

interface EventEffect {
  name: string;
  multiplier: number;
  learned: boolean;
}

interface ProphetState {
  n: number;
  yScale: number;
  /** Changepoint positions as step indices. */
  changepoints: number[];
  seasonalities: Seasonality[];
  /** Names of the event columns in the design (observed in history). */
  eventColumns: string[];
  beta: number[];
  events: ForecastEvent[];
  effects: EventEffect[];
  residuals: number[];
  sigma: number;
  /** Future-changepoint rate per step and mean |slope change| (scaled units per step). */
  cpRate: number;
  cpMeanAbs: number;
  lastValue: number;
  /** History had no negative values: forecasts are clipped at zero. */
  nonNegative: boolean;
  coldStart: boolean;
  notes: string[];
}

type Layout = Pick<ProphetState, 'n' | 'changepoints' | 'seasonalities' | 'eventColumns'>;

/** Time in units of the history length, so slopes and penalties do not depend on n. */
function timeOf(index: number, n: number): number {
  return index / Math.max(1, n - 1);
}

function columnCount(l: Layout): number {
  return 2 + l.changepoints.length + l.seasonalities.reduce((acc, s) => acc + 2 * s.order, 0) + l.eventColumns.length;
}

function activeEvents(index: number, events: readonly ForecastEvent[]): ForecastEvent[] {
  return events.filter((e) => index >= e.start && index < e.end);
}

/** Design row; `withEvents` = false gives the base (trend + seasonality) used for forecasting. */
function designRow(index: number, l: Layout, events: readonly ForecastEvent[], withEvents: boolean): Float64Array {
  const row = new Float64Array(columnCount(l));
  const t = timeOf(index, l.n);
  row[0] = 1;
  row[1] = t;
  let c = 2;
  for (const cp of l.changepoints) row[c++] = Math.max(0, t - timeOf(cp, l.n));
  for (const s of l.seasonalities) {
    for (let k = 1; k <= s.order; k++) {
      const w = (2 * Math.PI * k * index) / s.period;
      row[c++] = Math.cos(w);
      row[c++] = Math.sin(w);
    }
  }
  if (withEvents) {
    const active = new Set(activeEvents(index, events).map((e) => e.name));
    for (const name of l.eventColumns) row[c++] = active.has(name) ? 1 : 0;
  }
  return row;
}

function dot(row: ArrayLike<number>, beta: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < beta.length; i++) s += row[i] * beta[i];
  return s;
}

function choosePeriods(n: number, opts: FitOptions): Seasonality[] {
  const out: Seasonality[] = [];
  const add = (period: number, order: number, label: string): void => {
    if (!(period >= 2) || n < 2 * period) return;
    if (out.some((s) => Math.abs(s.period - period) < 1e-9)) return;
    out.push({ period, order: Math.max(1, Math.min(order, Math.floor(period / 2))), label });
  };
  if (opts.stepSeconds && opts.stepSeconds > 0) {
    const day = 86_400 / opts.stepSeconds;
    add(day, 6, 'daily');
    add(7 * day, 3, 'weekly');
  }
  for (const p of opts.seasons ?? []) add(p, 6, `period ${p}`);
  return out;
}

function checkEvents(events: readonly ForecastEvent[]): void {
  events.forEach((e, i) => {
    if (![e.start, e.end, e.multiplier].every(Number.isFinite) || e.end <= e.start || e.multiplier < 0) {
      throw new ForecastInputError(`events[${i}] (${e.name}): need finite start < end and multiplier >= 0; fix the event list`);
    }
  });
}

class ProphetModel implements FittedModel {
  readonly name = 'prophet';
  constructor(private readonly state: ProphetState) {}

  forecast(horizon: number): Forecast {
    return this.forecastAt(this.state.n, this.state.lastValue, horizon);
  }

  /** Calendar time only moves on: the stepper counts the values pushed. */
  pointStepper(history: readonly number[], startOffset = 0): PointStepper {
    let n = history.length;
    return { push: () => n++, path: (h) => this.pathAt(startOffset + n, h) };
  }

  /** A model of calendar time: the point path at the steps after `history`, placed by `startOffset`. */
  pointFrom(history: readonly number[], horizon: number, startOffset = 0): number[] {
    return this.pathAt(startOffset + history.length, horizon);
  }

  private pathAt(origin: number, horizon: number): number[] {
    const s = this.state;
    const mult = new Map(s.effects.map((e) => [e.name, e.multiplier]));
    const out: number[] = [];
    for (let h = 0; h < horizon; h++) {
      const index = origin + h;
      let v = dot(designRow(index, s, s.events, false), s.beta) * s.yScale;
      for (const e of activeEvents(index, s.events)) v *= mult.get(e.name) ?? e.multiplier;
      out.push(s.nonNegative ? Math.max(0, v) : v);
    }
    return out;
  }

  private forecastAt(origin: number, lastValue: number, horizon: number): Forecast {
    checkHorizon(horizon);
    const s = this.state;
    const mult = new Map(s.effects.map((e) => [e.name, e.multiplier]));
    const notes = s.notes.slice();
    const point: number[] = [];
    for (let h = 0; h < horizon; h++) {
      const index = origin + h;
      let v = dot(designRow(index, s, s.events, false), s.beta) * s.yScale;
      for (const e of activeEvents(index, s.events)) v *= mult.get(e.name) ?? e.multiplier;
      point.push(v);
    }
    const applied = [...new Set(s.events.filter((e) => e.end > origin && e.start < origin + horizon).map((e) => e.name))];
    if (applied.length) notes.push(`events in the forecast window: ${applied.map((a) => `${a} x${(mult.get(a) ?? 1).toFixed(2)}`).join(', ')}`);
    const sigma = Math.max(s.sigma, 1e-12);
    const spread = (h: number): number => {
      // Variance of a Poisson number of future slope changes, each acting for the rest of the horizon.
      const steps = Math.max(1, origin - s.n + h + 1);
      const trendVar = (2 * s.cpRate * s.cpMeanAbs * s.cpMeanAbs * steps * steps * steps) / 3;
      return Math.sqrt(1 + (trendVar * s.yScale * s.yScale) / (sigma * sigma));
    };
    return assembleForecast({ model: this.name, point, residuals: s.residuals, spread, notes, coldStart: s.coldStart, fallbackValue: lastValue, nonNegative: s.nonNegative });
  }

  serialize(): SerializedModel {
    return { model: this.name, version: 1, state: this.state };
  }

  describe(): string {
    const s = this.state;
    const active = s.changepoints.filter((_, i) => Math.abs(s.beta[2 + i]) > 1e-3).length;
    const seas = s.seasonalities.map((x) => `${x.label}(K=${x.order})`).join(', ') || 'none';
    const ev = s.effects.map((e) => `${e.name} x${e.multiplier.toFixed(2)}${e.learned ? ' learned' : ' given'}`).join(', ');
    return `prophet: piecewise-linear trend, ${active}/${s.changepoints.length} active changepoints; seasonality ${seas}${ev ? `; events ${ev}` : ''}`;
  }
}

export const prophetForecaster: Forecaster = {
  name: 'prophet',
  async fit(values: readonly number[], opts: FitOptions = {}): Promise<FittedModel> {
    validateSeries(values);
    const events = (opts.events ?? []).map((e) => ({ ...e }));
    checkEvents(events);
    const n = values.length;
    const yScale = Math.max(...values.map(Math.abs)) || 1;
    const y = values.map((v) => v / yScale);
    const notes: string[] = [];
    const seasonalities = choosePeriods(n, opts);
    const wanted = (opts.seasons ?? []).length > 0 || !!opts.stepSeconds;
    const coldStart = wanted && seasonalities.length === 0;
    if (coldStart) notes.push(`cold start: ${n} points is less than two days/seasons; trend only`);

    const nCp = n >= 20 ? Math.min(MAX_CHANGEPOINTS, Math.floor((CHANGEPOINT_RANGE * n) / 4)) : 0;
    const changepoints = Array.from({ length: nCp }, (_, i) => Math.round(((i + 1) * CHANGEPOINT_RANGE * (n - 1)) / (nCp + 1)));
    const counts = new Map<string, number>();
    for (let t = 0; t < n; t++) for (const e of activeEvents(t, events)) counts.set(e.name, (counts.get(e.name) ?? 0) + 1);
    const eventColumns = [...counts.keys()].filter((name) => (counts.get(name) ?? 0) >= MIN_EVENT_POINTS);
    const layout: Layout = { n, changepoints, seasonalities, eventColumns };
    const p = columnCount(layout);
    const rows = y.map((_, t) => designRow(t, layout, events, true));
    const ne = normalEquations(rows, y, p);

    // Penalties: tiny ridge on intercept/slope, L2 (Gaussian prior) on seasonality and events,
    // L1 on changepoints. Both are scaled by the noise variance, as in the MAP objective.
    const firstSeason = 2 + nCp;
    const residualVariance = (beta: number[]): number => mean(rows.map((r, t) => (y[t] - dot(r, beta)) ** 2));
    const basePenalty = (sigma2: number): number[] =>
      Array.from({ length: p }, (_, i) => (i < 2 ? 1e-9 : i < firstSeason ? 0 : sigma2 / (SEASONALITY_PRIOR_SCALE * SEASONALITY_PRIOR_SCALE)) + 1e-9);
    let beta = ridgeSolve(ne, basePenalty(0).map((v, i) => (i >= 2 && i < firstSeason ? 1e-3 * n : v)));
    let sigma2 = Math.max(residualVariance(beta), 1e-12);
    // Laplace prior on slope changes: penalty 2 sigma^2 / tau on |delta|, via reweighted ridge.
    // The noise at fine resolution is autocorrelated, so sigma^2 is scaled by the number of
    // points per changepoint segment to stop the trend from chasing short wiggles.
    const lambda = ((2 * sigma2) / CHANGEPOINT_PRIOR_SCALE) * Math.max(1, n / Math.max(1, nCp + 1));
    for (let iter = 0; iter < 25; iter++) {
      const penalty = basePenalty(sigma2);
      for (let i = 2; i < firstSeason; i++) penalty[i] = lambda / (Math.abs(beta[i]) + 1e-4);
      const next = ridgeSolve(ne, penalty);
      const change = next.reduce((acc, v, i) => Math.max(acc, Math.abs(v - beta[i])), 0);
      beta = next;
      if (change < 1e-7) break;
    }
    sigma2 = Math.max(residualVariance(beta), 0);
    // Snap negligible slope changes to zero so describe() and the trend are clean.
    for (let i = 2; i < firstSeason; i++) if (Math.abs(beta[i]) < 1e-4) beta[i] = 0;

    // Learned multipliers: (base + effect) / base averaged over the observed event points.
    const effects: EventEffect[] = [];
    const colOf = (name: string): number => firstSeason + seasonalities.reduce((a, s) => a + 2 * s.order, 0) + eventColumns.indexOf(name);
    for (const name of new Set(events.map((e) => e.name))) {
      const given = events.find((e) => e.name === name)?.multiplier ?? 1;
      if (!eventColumns.includes(name)) {
        effects.push({ name, multiplier: given, learned: false });
        continue;
      }
      const effect = beta[colOf(name)];
      const ratios: number[] = [];
      for (let t = 0; t < n; t++) {
        if (!activeEvents(t, events).some((e) => e.name === name)) continue;
        const base = dot(designRow(t, layout, events, false), beta);
        if (base > 1e-9) ratios.push((base + effect) / base);
      }
      if (ratios.length) {
        const learned = Math.max(0, mean(ratios));
        effects.push({ name, multiplier: learned, learned: true });
        if (Math.abs(learned - given) > 0.1 * Math.max(1, given)) notes.push(`event ${name}: learned x${learned.toFixed(2)} from history (given x${given})`);
      } else effects.push({ name, multiplier: given, learned: false });
    }

    const residuals = sortedFinite(rows.map((r, t) => (y[t] - dot(r, beta)) * yScale));
    if (residuals.length < 10) {
      const last = values[n - 1];
      residuals.push(-0.5 * last, 0.5 * last);
      residuals.sort((a, b) => a - b);
      notes.push('few residuals: intervals set to +-50% of the last value');
    }
    const deltas = beta.slice(2, firstSeason);
    // Slope change per unit t -> per step; rate of changepoints per step over the history.
    const cpMeanAbs = deltas.length ? mean(deltas.map(Math.abs)) / Math.max(1, n - 1) : 0;
    const cpRate = nCp / Math.max(1, n);
    return new ProphetModel({
      n,
      yScale,
      changepoints,
      seasonalities,
      eventColumns,
      beta,
      events,
      effects,
      residuals,
      sigma: Math.sqrt(sigma2) * yScale,
      cpRate,
      cpMeanAbs,
      lastValue: values[n - 1],
      nonNegative: values.every((v) => v >= 0),
      coldStart,
      notes,
    });
  },
  deserialize(json: SerializedModel): FittedModel {
    if (json.model !== 'prophet') throw new Error(`cannot deserialize ${json.model} as prophet`);
    return new ProphetModel(json.state as ProphetState);
  },
};

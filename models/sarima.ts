import { FitOptions, FittedModel, Forecast, Forecaster, SerializedModel } from './contract';
import { validateSeries } from './validate';
import { nelderMead } from './optim/nelder-mead';
import { assembleForecast, checkHorizon, mean, seriesScale, sortedFinite } from './optim/intervals';
import { armaForecast, cssResiduals, expand, maxLag, pacfToCoefs, psiSpread, SarimaOrder, Sparse } from './optim/arma';
import { KPSS_CRITICAL_5PCT, kpss, seasonalStrength } from './optim/stat-tests';
import { leastSquares } from './linalg';

/**
 * SARIMA(p,d,q)(P,D,Q)_m with automatic order selection, fitted by conditional sum of squares.
 *
 * - Seasons: the shortest period in `opts.seasons` with two full cycles is the SARIMA season m
 *   (seasonal differencing + at most one seasonal AR and MA term, so m = 288 stays cheap).
 *   Longer periods with two full cycles (weekly 2016) may enter as 3 Fourier pairs in a
 *   regression with SARIMA errors (coefficients from the differenced series, then SARIMA on the
 *   remainder: two steps, not a joint fit). They are kept only when they lower AICc and forecast
 *   a held-out tail at least 10% better; otherwise the weekly cycle is left to the errors.
 * - Orders: D from seasonal strength (>= 0.64, as auto.arima), d from KPSS (5%), then a grid
 *   p,q in 0..2 and P,Q in 0..1 scored by AICc; the best few are refined with more iterations.
 * - Parameters are mapped through partial autocorrelations, so the AR part is always stationary
 *   and the MA part invertible; forecasts are still checked (finite, within 10x the history max)
 *   and replaced by seasonal naive when they fail, with a note saying so.
 */

interface Regression {
  /** Periods (steps) of Fourier pairs, e.g. 2016, 1008, 672. */
  periods: number[];
  /** Intercept then cos/sin coefficient per period, in normalised units. */
  coefs: number[];
}

interface SarimaState {
  order: SarimaOrder;
  phi: number[];
  theta: number[];
  sphi: number[];
  stheta: number[];
  aicc: number;
  regression: Regression;
  /** Number of fitted observations, so future regressors continue at the right phase. */
  n: number;
  scale: number;
  xTail: number[];
  eTail: number[];
  residuals: number[];
  /** Largest |value| seen: forecasts beyond 10x this count as divergent. */
  historyMax: number;
  /** History had no negative values: forecasts are clipped at zero. */
  nonNegative: boolean;
  lastValue: number;
  coldStart: boolean;
  notes: string[];
  /** Seasonal naive used when SARIMA is unusable or its forecast diverges. */
  fallback: NaiveFallback;
  /** Set when the fit itself failed the checks: every forecast comes from the fallback. */
  useFallback: boolean;
}

interface NaiveFallback {
  season: number;
  lastSeason: number[];
  /** Sorted lag-`season` differences, the seasonal naive one-step errors. */
  residuals: number[];
}

function naiveFallback(values: readonly number[], season: number): NaiveFallback {
  const m = values.length >= 2 * season ? season : 1;
  const diffs: number[] = [];
  for (let t = m; t < values.length; t++) diffs.push(values[t] - values[t - m]);
  if (diffs.length < 10) {
    // Too few errors to measure: +-50% of the last value keeps the interval honest.
    const last = values[values.length - 1];
    diffs.push(-0.5 * last, 0.5 * last);
  }
  return { season: m, lastSeason: values.slice(values.length - m), residuals: sortedFinite(diffs) };
}

interface Candidate {
  order: SarimaOrder;
  x: number[];
  css: number;
  aicc: number;
}

const MIN_POINTS = 16;

function regressors(t: number, reg: Pick<Regression, 'periods'>): number[] {
  const row = [1];
  for (const period of reg.periods) {
    const w = (2 * Math.PI * t) / period;
    row.push(Math.cos(w), Math.sin(w));
  }
  return row;
}

function dot(row: readonly number[], coefs: readonly number[]): number {
  let acc = 0;
  for (let i = 0; i < row.length; i++) acc += row[i] * coefs[i];
  return acc;
}

function splitParams(order: SarimaOrder, x: readonly number[]): { phi: number[]; theta: number[]; sphi: number[]; stheta: number[] } {
  let i = 0;
  const take = (k: number): number[] => {
    const part = x.slice(i, i + k);
    i += k;
    return part;
  };
  const phi = pacfToCoefs(take(order.p));
  // The MA transform returns an invertible polynomial in the AR sign convention; flip it.
  const theta = pacfToCoefs(take(order.q)).map((v) => -v);
  const sphi = pacfToCoefs(take(order.P));
  const stheta = pacfToCoefs(take(order.Q)).map((v) => -v);
  return { phi, theta, sphi, stheta };
}

function operators(order: SarimaOrder, x: readonly number[]): { ar: Sparse; ma: Sparse } {
  const { phi, theta, sphi, stheta } = splitParams(order, x);
  return expand(order, phi, theta, sphi, stheta);
}

/** Fits one order by CSS; `scoreFrom` is shared by the whole grid so AICc values compare. */
function evaluate(z: readonly number[], order: SarimaOrder, x0: readonly number[], maxEvals: number, scoreFrom: number, extraParams = 0): Candidate {
  const k = x0.length;
  const objective = (x: number[]): number => {
    const { ar, ma } = operators(order, x);
    return cssResiduals(z, ar, ma, scoreFrom).css;
  };
  const best = k > 0 ? nelderMead(objective, x0, { maxEvals, step: 0.3, tolerance: 1e-7 }) : { x: [], fx: objective([]), evals: 1 };
  const nEff = z.length - scoreFrom;
  // One more parameter for the variance, and one for the mean when nothing is differenced.
  const params = k + 1 + (order.d + order.D === 0 ? 1 : 0) + extraParams;
  const sigma2 = best.fx / Math.max(1, nEff);
  const aicc = nEff * Math.log(sigma2 + 1e-300) + 2 * params + (2 * params * (params + 1)) / Math.max(1, nEff - params - 1);
  return { order, x: best.x, css: best.fx, aicc: Number.isFinite(aicc) ? aicc : Infinity };
}

/** Applies (1 - B)^d (1 - B^m)^D; the result is shorter by d + mD. */
function difference(x: readonly number[], d: number, D: number, m: number): number[] {
  let w = x.slice();
  for (let i = 0; i < D; i++) w = w.slice(m).map((v, j) => v - w[j]);
  for (let i = 0; i < d; i++) w = w.slice(1).map((v, j) => v - w[j]);
  return w;
}

function chooseDifferencing(y: readonly number[], m: number): { d: number; D: number } {
  const D = m > 1 && seasonalStrength(y, m) >= 0.64 ? 1 : 0;
  let d = 0;
  const maxD = D ? 1 : 2;
  while (d < maxD) {
    const w = difference(y, d, D, m);
    if (w.length <= 20 || kpss(w) <= KPSS_CRITICAL_5PCT) break;
    d++;
  }
  return { d, D };
}

/**
 * Regression part of a regression with SARIMA errors: Fourier coefficients are estimated on the
 * differenced series and differenced regressors (as auto.arima does with xreg), so a trend is
 * not mistaken for a slow harmonic; the intercept is the mean of what remains.
 */
function fitRegression(y: readonly number[], periods: number[], d: number, D: number, m: number): number[] {
  const rows = y.map((_, t) => regressors(t, { periods }));
  let fourier: number[] = [];
  if (periods.length) {
    const cols = 2 * periods.length;
    const dy = difference(y, d, D, m);
    const dCols = Array.from({ length: cols }, (_, c) => difference(rows.map((r) => r[c + 1]), d, D, m));
    const dRows = dy.map((_, t) => dCols.map((col) => col[t]));
    fourier = leastSquares(dRows, dy, cols);
  }
  const intercept = mean(y.map((v, t) => v - dot(rows[t].slice(1), fourier)));
  return [intercept, ...fourier];
}

/** The longest AR lag in the grid: every candidate is scored on the observations after it. */
function gridStart(m: number, d: number, D: number): number {
  return 2 + d + (m > 1 ? m * (1 + D) : 0);
}

function selectOrder(z: readonly number[], m: number, d: number, D: number): { best: Candidate; tried: number } {
  const seasonalOrders = m > 1 ? [0, 1] : [0];
  const scoreFrom = gridStart(m, d, D);
  const candidates: Candidate[] = [];
  for (const p of [0, 1, 2]) {
    for (const q of [0, 1, 2]) {
      for (const P of seasonalOrders) {
        for (const Q of seasonalOrders) {
          const order: SarimaOrder = { p, d, q, P, D, Q, m: m > 1 ? m : 1 };
          const k = p + q + P + Q;
          // A short search ranks the grid; the leaders are refined below.
          candidates.push(evaluate(z, order, new Array<number>(k).fill(0), 25 * k, scoreFrom));
        }
      }
    }
  }
  candidates.sort((a, b) => a.aicc - b.aicc);
  const refined = candidates.slice(0, 3).map((c) => evaluate(z, c.order, c.x, 150 * Math.max(1, c.x.length), scoreFrom));
  refined.sort((a, b) => a.aicc - b.aicc);
  return { best: refined[0], tried: candidates.length };
}

/** Mean absolute error on the last `hold` points when fitted (same order) on the rest. */
function holdoutError(y: readonly number[], periods: number[], start: Candidate, d: number, D: number, m: number, hold: number): number {
  const train = y.slice(0, y.length - hold);
  const coefs = fitRegression(train, periods, d, D, m);
  const reg = (t: number): number => dot(regressors(t, { periods }), coefs);
  const z = train.map((v, t) => v - reg(t));
  const scoreFrom = gridStart(m, d, D);
  if (z.length <= scoreFrom + 10) return Infinity;
  const fitted = evaluate(z, start.order, start.x, 60 * Math.max(1, start.x.length), scoreFrom);
  const { ar, ma } = operators(start.order, fitted.x);
  const { e } = cssResiduals(z, ar, ma);
  const path = armaForecast(z.slice(z.length - Math.max(maxLag(ar), 1)), Array.from(e.subarray(Math.max(0, z.length - Math.max(maxLag(ma), 1)))), ar, ma, hold);
  let err = 0;
  for (let h = 0; h < hold; h++) err += Math.abs(y[train.length + h] - (path[h] + reg(train.length + h)));
  return Number.isFinite(err) ? err / hold : Infinity;
}

function diverges(values: readonly number[], limit: number): boolean {
  return values.some((v) => !Number.isFinite(v) || Math.abs(v) > limit);
}

class SarimaModel implements FittedModel {
  readonly name = 'sarima';
  constructor(private readonly state: SarimaState) {}

  private fallbackForecast(horizon: number, why: string, history?: readonly number[]): Forecast {
    const { season, residuals } = this.state.fallback;
    const lastSeason = history && history.length >= season ? history.slice(history.length - season) : this.state.fallback.lastSeason;
    return assembleForecast({
      model: this.name,
      point: Array.from({ length: horizon }, (_, h) => lastSeason[h % season]),
      residuals,
      // Seasonal naive errors grow like a random walk in the number of seasons ahead.
      spread: (h) => Math.sqrt(1 + Math.floor(h / season)),
      notes: [...this.state.notes, why],
      coldStart: this.state.coldStart,
      fallbackValue: history?.length ? history[history.length - 1] : this.state.lastValue,
      nonNegative: this.state.nonNegative,
    });
  }

  forecast(horizon: number): Forecast {
    const s = this.state;
    return this.forecastWith(s.xTail, s.eTail, s.n, s.lastValue, horizon);
  }

  /** Runs the fitted filter over `history` (same start as the fitted series), no refit. */
  forecastFrom(history: readonly number[], horizon: number): Forecast {
    const s = this.state;
    if (s.useFallback) {
      checkHorizon(horizon);
      return this.fallbackForecast(horizon, 'SARIMA unusable: forecast is seasonal naive', history);
    }
    const { ar, ma } = expand(s.order, s.phi, s.theta, s.sphi, s.stheta);
    const n = history.length;
    if (n <= maxLag(ar)) return this.forecast(horizon);
    const z = history.map((v, t) => v / s.scale - dot(regressors(t, s.regression), s.regression.coefs));
    const { e } = cssResiduals(z, ar, ma);
    const xTail = z.slice(n - Math.max(maxLag(ar), 1));
    const eTail = Array.from(e.subarray(Math.max(0, n - Math.max(maxLag(ma), 1))));
    return this.forecastWith(xTail, eTail, n, history[n - 1], horizon, history);
  }

  private forecastWith(xTail: readonly number[], eTail: readonly number[], n: number, lastValue: number, horizon: number, history?: readonly number[]): Forecast {
    checkHorizon(horizon);
    const s = this.state;
    if (s.useFallback) return this.fallbackForecast(horizon, 'SARIMA unusable: forecast is seasonal naive', history);
    const { ar, ma } = expand(s.order, s.phi, s.theta, s.sphi, s.stheta);
    const arma = armaForecast(xTail, eTail, ar, ma, horizon);
    const point = arma.map((v, h) => (v + dot(regressors(n + h, s.regression), s.regression.coefs)) * s.scale);
    const spread = psiSpread(ar, ma, horizon);
    const historyMax = history ? Math.max(s.historyMax, ...history.map(Math.abs)) : s.historyMax;
    if (diverges(point, 10 * Math.max(historyMax, 1e-9)) || diverges(spread, Infinity)) {
      return this.fallbackForecast(horizon, 'SARIMA forecast diverged (non-finite or beyond 10x the history max): seasonal naive used', history);
    }
    return assembleForecast({
      model: this.name,
      point,
      residuals: s.residuals,
      spread: (h) => spread[h],
      notes: s.notes,
      coldStart: s.coldStart,
      fallbackValue: lastValue,
      nonNegative: s.nonNegative,
    });
  }

  serialize(): SerializedModel {
    return { model: this.name, version: 1, state: this.state };
  }

  describe(): string {
    const s = this.state;
    if (s.useFallback) return `sarima fallback to seasonal naive (${s.notes.join('; ')})`;
    const o = s.order;
    const fmt = (a: number[]): string => a.map((v) => v.toFixed(3)).join(',');
    const seasonal = o.m > 1 ? `(${o.P},${o.D},${o.Q})[${o.m}]` : '';
    const fourier = s.regression.periods.length ? ` + Fourier periods ${s.regression.periods.join('/')}` : '';
    return `SARIMA(${o.p},${o.d},${o.q})${seasonal}${fourier} ar=[${fmt(s.phi)}] ma=[${fmt(s.theta)}] sar=[${fmt(s.sphi)}] sma=[${fmt(s.stheta)}] AICc=${s.aicc.toFixed(1)}`;
  }
}

export const sarimaForecaster: Forecaster = {
  name: 'sarima',
  async fit(values: readonly number[], opts: FitOptions = {}): Promise<FittedModel> {
    validateSeries(values);
    const n = values.length;
    const wanted = (opts.seasons ?? []).filter((p) => Number.isInteger(p) && p > 1).sort((a, b) => a - b);
    const usable = wanted.filter((p) => n >= 2 * p + MIN_POINTS);
    const m = usable[0] ?? 1;
    const coldStart = wanted.length > 0 && usable.length === 0;
    const notes: string[] = coldStart ? [`cold start: ${n} points is less than two seasons; non-seasonal ARIMA`] : [];
    const historyMax = Math.max(...values.map(Math.abs));
    const base = {
      n,
      historyMax,
      nonNegative: values.every((v) => v >= 0),
      lastValue: values[n - 1],
      coldStart,
      fallback: naiveFallback(values, m),
    };
    const unusable = (why: string): FittedModel =>
      new SarimaModel({
        ...base,
        order: { p: 0, d: 0, q: 0, P: 0, D: 0, Q: 0, m: 1 },
        phi: [],
        theta: [],
        sphi: [],
        stheta: [],
        // 0, not Infinity: the state must survive JSON unchanged.
        aicc: 0,
        regression: { periods: [], coefs: [0] },
        scale: 1,
        xTail: [],
        eTail: [],
        residuals: [],
        notes: [...notes, why],
        useFallback: true,
      });
    if (n < MIN_POINTS) return unusable(`only ${n} points (< ${MIN_POINTS}): too short for ARIMA`);
    if (Math.max(...values) === Math.min(...values)) return unusable('constant series: nothing for ARIMA to model');

    const scale = seriesScale(values);
    const y = values.map((v) => v / scale);
    // First stage: intercept plus Fourier pairs of the longer seasons (harmonics 1..3 stay well
    // below the primary season's frequency, so they do not compete with seasonal differencing).
    const periods: number[] = [];
    for (const p of wanted.filter((w) => w > m && n >= 2 * w)) for (let k = 1; k <= 3; k++) if (p / k > 2 * m) periods.push(p / k);
    const { d, D } = chooseDifferencing(y, m);
    let coefs = fitRegression(y, [], d, D, m);
    let z = y.map((v) => v - coefs[0]);
    let { best, tried } = selectOrder(z, m, d, D);
    if (periods.length && Number.isFinite(best.css)) {
      // Keep the longer seasons' Fourier terms only when they pay for their parameters (AICc,
      // same order, same observations) and also forecast a held-out tail >= 10% better. In-sample
      // criteria alone kept them on M4 Hourly series whose weekly shape is a weekday/weekend
      // step that three harmonics fit badly, and forecasts got much worse.
      const withCoefs = fitRegression(y, periods, d, D, m);
      const withZ = y.map((v, t) => v - dot(regressors(t, { periods }), withCoefs));
      const withFourier = evaluate(withZ, best.order, best.x, 150 * Math.max(1, best.x.length), gridStart(m, d, D), 2 * periods.length);
      const hold = Math.min(2 * m, Math.floor(n / 5));
      const holdoutWins = holdoutError(y, periods, best, d, D, m, hold) < 0.9 * holdoutError(y, [], best, d, D, m, hold);
      if (withFourier.aicc < best.aicc && holdoutWins) {
        best = withFourier;
        coefs = withCoefs;
        z = withZ;
        tried++;
      } else periods.length = 0;
    }
    if (!Number.isFinite(best.css)) return unusable('no SARIMA order gave a finite fit');
    const { phi, theta, sphi, stheta } = splitParams(best.order, best.x);
    const { ar, ma } = expand(best.order, phi, theta, sphi, stheta);
    const { e, start } = cssResiduals(z, ar, ma);
    // Skip the first residuals after the start: the MA recursion starts from zero shocks.
    const warm = Math.min(start + maxLag(ma), n - 1);
    const residuals = sortedFinite(Array.from(e.subarray(warm)).map((v) => v * scale));
    const tail = Math.max(maxLag(ar), 1);
    const state: SarimaState = {
      ...base,
      order: best.order,
      phi,
      theta,
      sphi,
      stheta,
      aicc: best.aicc,
      regression: { periods, coefs },
      scale,
      xTail: z.slice(n - tail),
      eTail: Array.from(e.subarray(Math.max(0, n - Math.max(maxLag(ma), 1)))),
      residuals,
      notes: [...notes, `order chosen by AICc among ${tried} candidates`],
      useFallback: false,
    };
    // Probe a long horizon now so a divergent fit is caught before anyone relies on it.
    const probe = new SarimaModel(state).forecast(Math.max(2 * m, 96));
    if ((probe.notes ?? []).some((note) => note.includes('diverged'))) return unusable('SARIMA fit diverged on a probe forecast');
    return new SarimaModel(state);
  },
  deserialize(json: SerializedModel): FittedModel {
    if (json.model !== 'sarima') throw new Error(`cannot deserialize ${json.model} as sarima`);
    return new SarimaModel(json.state as SarimaState);
  },
};

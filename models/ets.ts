import { FitOptions, FittedModel, Forecast, Forecaster, PointStepper, SerializedModel } from './contract';
import { validateSeries } from './validate';
import { nelderMead } from './optim/nelder-mead';
import { assembleForecast, checkHorizon, mean, seriesScale, sortedFinite } from './optim/intervals';

/**
 * Holt-Winters / ETS with additive errors (Hyndman et al. 2008, error-correction form).
 * Variants: trend none / additive / additive damped x season none / additive / multiplicative.
 * Smoothing parameters are fitted by Nelder-Mead on the one-step SSE (with beta <= 0.1 alpha, see
 * MAX_BETA_RATIO); the variant is chosen by AIC. Initial states come from the first seasons (not
 * optimised: 288 of them would make the optimiser slow and overfit). Intervals: in-sample one-step
 * residual quantiles times the analytic h-step standard-error growth sqrt(1 + sum c_j^2).
 *
 * Seasons: ETS carries one seasonal state vector, so it uses the shortest period in
 * `opts.seasons` that has at least two full cycles of history (daily 288 at 5 min). A weekly
 * vector of 2016 states estimated from two weeks would mostly fit noise; the other models
 * (SARIMA's gated Fourier terms, Prophet) handle the second season. On 5-minute data AIC often
 * prefers no season at all: 287 seasonal states cost more AIC than the one-step gain they buy.
 */

export type TrendKind = 'N' | 'A' | 'Ad';
export type SeasonKind = 'N' | 'A' | 'M';

interface EtsParams {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
}

interface EtsState {
  trend: TrendKind;
  season: SeasonKind;
  /** Seasonal period used (0 when none). */
  m: number;
  params: EtsParams;
  /** Final states in normalised units. */
  level: number;
  slope: number;
  /** Seasonal states for the next m steps: seasonal[j] applies to step n + j. */
  seasonal: number[];
  scale: number;
  /** Initial states (before t = 0), so forecastFrom can re-run the filter on a longer history. */
  init: Init;
  aic: number;
  /** Sorted in-sample one-step residuals in series units. */
  residuals: number[];
  lastValue: number;
  /** History had no negative values: forecasts are clipped at zero. */
  nonNegative: boolean;
  coldStart: boolean;
  notes: string[];
}

interface Run {
  sse: number;
  level: number;
  slope: number;
  seasonal: number[];
  errors: number[];
}

interface Init {
  level: number;
  slope: number;
  seasonal: number[];
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * Upper bound of beta / alpha (Holt's beta*): the slope adapts at most a tenth as fast as the
 * level. With the full range (beta <= alpha) the one-step SSE often picked alpha = beta = 1 on
 * smooth series and extrapolated every wiggle (40 M4 Hourly series: sMAPE 15.9 -> 13.3, MASE
 * 2.21 -> 1.62 with this bound; the RDS series is unchanged).
 */
const MAX_BETA_RATIO = 0.1;

function toParams(x: readonly number[], trend: TrendKind, season: SeasonKind): EtsParams {
  // Map unconstrained values into the admissible box: beta <= 0.1 alpha, gamma <= 1 - alpha.
  const alpha = 1e-4 + 0.9998 * sigmoid(x[0]);
  const beta = trend === 'N' ? 0 : MAX_BETA_RATIO * alpha * sigmoid(x[1]);
  const gamma = season === 'N' ? 0 : (1 - alpha) * sigmoid(x[2]);
  const phi = trend === 'Ad' ? 0.8 + 0.18 * sigmoid(x[3]) : 1;
  return { alpha, beta, gamma, phi };
}

function initialStates(z: readonly number[], m: number, trend: TrendKind, season: SeasonKind): Init | null {
  if (m === 0) {
    const k = Math.min(z.length, 10);
    const level = z[0];
    const slope = trend === 'N' || z.length < 2 ? 0 : (z[k - 1] - z[0]) / Math.max(1, k - 1);
    return { level, slope, seasonal: [] };
  }
  const cycles = Math.min(Math.floor(z.length / m), 4);
  const cycleMeans = Array.from({ length: cycles }, (_, c) => mean(z.slice(c * m, (c + 1) * m)));
  if (season === 'M' && cycleMeans.some((c) => c <= 0)) return null;
  const seasonal = new Array<number>(m).fill(0);
  for (let j = 0; j < m; j++) {
    let acc = 0;
    for (let c = 0; c < cycles; c++) {
      const v = z[c * m + j];
      acc += season === 'M' ? v / cycleMeans[c] : v - cycleMeans[c];
    }
    seasonal[j] = acc / cycles;
  }
  if (season === 'M') {
    const avg = mean(seasonal);
    if (!(avg > 0)) return null;
    for (let j = 0; j < m; j++) seasonal[j] /= avg;
  }
  const slope = trend === 'N' || cycles < 2 ? 0 : (cycleMeans[1] - cycleMeans[0]) / m;
  // The cycle mean is the level half a cycle in; step it back to just before t = 0.
  return { level: cycleMeans[0] - slope * (m / 2), slope, seasonal };
}

/** The filter's state before step t: level, slope and the seasonal states indexed by t mod m. */
interface FilterState {
  level: number;
  slope: number;
  seas: number[];
  t: number;
}

/** One step of the error-correction filter; returns the one-step error, or NaN when the variant breaks down. */
function filterStep(st: FilterState, zt: number, m: number, season: SeasonKind, p: EtsParams): number {
  const base = st.level + p.phi * st.slope;
  const j = m > 0 ? st.t % m : 0;
  const s = m > 0 ? st.seas[j] : 0;
  const yhat = season === 'A' ? base + s : season === 'M' ? base * s : base;
  const e = zt - yhat;
  if (season === 'M') {
    // Guard the divisions: a seasonal factor or level near zero means the variant is unfit.
    if (Math.abs(s) < 1e-6 || Math.abs(base) < 1e-9) return NaN;
    st.level = base + (p.alpha * e) / s;
    st.slope = p.phi * st.slope + (p.beta * e) / s;
    st.seas[j] = s + (p.gamma * e) / base;
  } else {
    st.level = base + p.alpha * e;
    st.slope = p.phi * st.slope + p.beta * e;
    if (season === 'A') st.seas[j] = s + p.gamma * e;
  }
  st.t++;
  return Number.isFinite(st.level) ? e : NaN;
}

/** Seasonal states for the steps after the filter's last one: seasonal[j] applies to step t + j. */
function rotated(st: FilterState, m: number): number[] {
  return m > 0 ? Array.from({ length: m }, (_, j) => st.seas[(st.t + j) % m]) : [];
}

function run(z: readonly number[], init: Init, m: number, trend: TrendKind, season: SeasonKind, p: EtsParams, keepErrors: boolean): Run {
  const st: FilterState = { level: init.level, slope: init.slope, seas: init.seasonal.slice(), t: 0 };
  const errors: number[] = [];
  let sse = 0;
  for (let t = 0; t < z.length; t++) {
    const e = filterStep(st, z[t], m, season, p);
    if (Number.isNaN(e)) return { sse: Infinity, level: st.level, slope: st.slope, seasonal: st.seas, errors };
    sse += e * e;
    if (keepErrors) errors.push(e);
    if (!Number.isFinite(sse)) return { sse: Infinity, level: st.level, slope: st.slope, seasonal: st.seas, errors };
  }
  return { sse, level: st.level, slope: st.slope, seasonal: rotated(st, m), errors };
}

function pointPath(s: Pick<EtsState, 'level' | 'slope' | 'seasonal' | 'season' | 'm' | 'params' | 'trend'>, horizon: number): number[] {
  const out: number[] = [];
  let damp = 0;
  let phiPow = 1;
  for (let h = 1; h <= horizon; h++) {
    phiPow *= s.params.phi;
    damp += s.trend === 'N' ? 0 : phiPow;
    const base = s.level + damp * s.slope;
    const seas = s.m > 0 ? s.seasonal[(h - 1) % s.m] : 0;
    out.push(s.season === 'A' ? base + seas : s.season === 'M' ? base * seas : base);
  }
  return out;
}

/** Variance multiplier of the h-step error for the additive-error model: 1 + sum c_j^2. */
function spreadFactors(s: EtsState, horizon: number): number[] {
  const { alpha, beta, gamma, phi } = s.params;
  const out: number[] = [1];
  let v = 1;
  let damp = 0;
  let phiPow = 1;
  for (let j = 1; j < horizon; j++) {
    phiPow *= phi;
    damp += phiPow;
    const c = alpha + beta * damp + (s.m > 0 && j % s.m === 0 ? gamma : 0);
    v += c * c;
    out.push(Math.sqrt(v));
  }
  return out;
}

function chooseSeason(n: number, seasons: readonly number[]): { m: number; coldStart: boolean } {
  const wanted = seasons.filter((p) => Number.isInteger(p) && p > 1).sort((a, b) => a - b);
  const usable = wanted.filter((p) => n >= 2 * p);
  if (usable.length > 0) return { m: usable[0], coldStart: false };
  return { m: 0, coldStart: wanted.length > 0 };
}

class EtsModel implements FittedModel {
  readonly name = 'ets';
  constructor(private readonly state: EtsState) {}

  forecast(horizon: number): Forecast {
    return this.forecastWithStates(this.state, horizon, this.state.lastValue);
  }

  /** Filters `history` (same start as the fitted series) with the fitted parameters, no refit. */
  forecastFrom(history: readonly number[], horizon: number): Forecast {
    const s = this.state;
    if (history.length === 0) return this.forecast(horizon);
    const z = history.map((v) => v / s.scale);
    const r = run(z, s.init, s.m, s.trend, s.season, s.params, false);
    if (!Number.isFinite(r.sse)) return this.forecast(horizon);
    return this.forecastWithStates({ ...s, level: r.level, slope: r.slope, seasonal: r.seasonal }, horizon, history[history.length - 1]);
  }

  /**
   * Point path from the end of `history` with the fitted parameters. The initial states come from
   * `history`'s own first cycles (as in fitting), so the seasonal phase is right wherever the
   * window starts; without two cycles it filters from the fitted initial states instead.
   */
  pointFrom(history: readonly number[], horizon: number): number[] {
    const s = this.state;
    if (history.length === 0) return this.forecast(horizon).point;
    const z = history.map((v) => v / s.scale);
    const init = (s.m > 0 && z.length >= 2 * s.m ? initialStates(z, s.m, s.trend, s.season) : null) ?? s.init;
    const r = run(z, init, s.m, s.trend, s.season, s.params, false);
    if (!Number.isFinite(r.sse)) return new Array<number>(horizon).fill(history[history.length - 1]);
    const path = pointPath({ ...s, level: r.level, slope: r.slope, seasonal: r.seasonal }, horizon).map((v) => v * s.scale);
    return s.nonNegative ? path.map((v) => Math.max(0, v)) : path;
  }

  /** pointFrom made incremental: one filter step per new value instead of re-filtering the window. */
  pointStepper(history: readonly number[]): PointStepper {
    const s = this.state;
    const z = history.map((v) => v / s.scale);
    const init = (s.m > 0 && z.length >= 2 * s.m ? initialStates(z, s.m, s.trend, s.season) : null) ?? s.init;
    const st: FilterState = { level: init.level, slope: init.slope, seas: init.seasonal.slice(), t: 0 };
    let broken = false;
    let last = history.length ? history[history.length - 1] : 0;
    const push = (v: number) => {
      last = v;
      if (!broken && Number.isNaN(filterStep(st, v / s.scale, s.m, s.season, s.params))) broken = true;
    };
    for (const v of history) push(v);
    return {
      push,
      path: (horizon) => {
        if (broken) return new Array<number>(horizon).fill(last);
        // pointPath without rotating the seasonal states (this runs at every step of a replay).
        const out = new Array<number>(horizon);
        let damp = 0;
        let phiPow = 1;
        for (let h = 1; h <= horizon; h++) {
          phiPow *= s.params.phi;
          damp += s.trend === 'N' ? 0 : phiPow;
          const base = st.level + damp * st.slope;
          const seas = s.m > 0 ? st.seas[(st.t + h - 1) % s.m] : 0;
          const v = (s.season === 'A' ? base + seas : s.season === 'M' ? base * seas : base) * s.scale;
          out[h - 1] = s.nonNegative ? Math.max(0, v) : v;
        }
        return out;
      },
    };
  }

  private forecastWithStates(s: EtsState, horizon: number, lastValue: number): Forecast {
    checkHorizon(horizon);
    const point = pointPath(s, horizon).map((v) => v * s.scale);
    const spread = spreadFactors(s, horizon);
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
    const p = s.params;
    const parts = [`alpha=${p.alpha.toFixed(3)}`];
    if (s.trend !== 'N') parts.push(`beta=${p.beta.toFixed(4)}`);
    if (s.trend === 'Ad') parts.push(`phi=${p.phi.toFixed(3)}`);
    if (s.season !== 'N') parts.push(`gamma=${p.gamma.toFixed(3)}`);
    return `ETS(A,${s.trend},${s.season})${s.season !== 'N' ? ` season ${s.m}` : ''} ${parts.join(' ')} AIC=${s.aic.toFixed(1)}`;
  }
}

type VariantState = Omit<EtsState, 'scale' | 'residuals' | 'lastValue' | 'nonNegative' | 'coldStart' | 'notes'>;

function fitVariant(z: readonly number[], m: number, trend: TrendKind, season: SeasonKind): { state: VariantState; errors: number[] } | null {
  const init = initialStates(z, m, trend, season);
  if (!init) return null;
  const objective = (x: number[]): number => run(z, init, m, trend, season, toParams(x, trend, season), false).sse;
  // Start from typical values: alpha ~0.5, beta ~0.1*alpha, gamma ~0.1, phi ~0.9.
  const x0 = [0, -2, -2, 0.5];
  const dims = trend === 'Ad' ? 4 : season !== 'N' ? 3 : trend !== 'N' ? 2 : 1;
  const best = nelderMead((x) => objective(x.concat(x0.slice(dims))), x0.slice(0, dims), { maxEvals: 120 * dims, tolerance: 1e-7 });
  const params = toParams(best.x.concat(x0.slice(dims)), trend, season);
  const r = run(z, init, m, trend, season, params, true);
  if (!Number.isFinite(r.sse)) return null;
  const n = z.length;
  const k = dims + 1 + (trend === 'N' ? 0 : 1) + (season === 'N' ? 0 : m - 1);
  const aic = n * Math.log(r.sse / n + 1e-12) + 2 * k;
  const state = { trend, season, m, params, level: r.level, slope: r.slope, seasonal: r.seasonal, aic, init };
  // Reject variants whose forecast explodes (e.g. a multiplicative season on a near-zero level).
  const test = pointPath(state, Math.max(2 * m, 48));
  const zMax = Math.max(...z.map(Math.abs), 1e-12);
  if (test.some((v) => !Number.isFinite(v) || Math.abs(v) > 10 * zMax)) return null;
  return { state, errors: r.errors };
}

export const etsForecaster: Forecaster = {
  name: 'ets',
  async fit(values: readonly number[], opts: FitOptions = {}): Promise<FittedModel> {
    validateSeries(values);
    const n = values.length;
    const scale = seriesScale(values);
    const z = values.map((v) => v / scale);
    const { m, coldStart } = chooseSeason(n, opts.seasons ?? []);
    const notes: string[] = [];
    if (coldStart) notes.push(`cold start: ${n} points is less than two seasons; fitted without seasonality`);

    const trends: TrendKind[] = n >= 10 ? ['N', 'A', 'Ad'] : ['N'];
    const seasonKinds: SeasonKind[] = m > 0 ? ['N', 'A', 'M'] : ['N'];
    let best: ReturnType<typeof fitVariant> = null;
    for (const trend of trends) {
      for (const season of seasonKinds) {
        if (season === 'M' && z.some((v) => v <= 0)) continue;
        const fitted = fitVariant(z, m, trend, season);
        if (fitted && (!best || fitted.state.aic < best.state.aic)) best = fitted;
      }
    }
    if (!best) {
      // Every variant failed (degenerate data): a flat level at the last value.
      const init = { level: z[n - 1], slope: 0, seasonal: [] };
      best = { state: { trend: 'N', season: 'N', m: 0, params: { alpha: 1, beta: 0, gamma: 0, phi: 1 }, ...init, aic: 0, init }, errors: [] };
      notes.push('no ETS variant could be fitted; flat forecast at the last value');
    }
    // Skip the first season of errors: they mostly measure the crude initial states.
    const burn = Math.min(best.state.m, Math.floor(n / 4));
    const residuals = sortedFinite(best.errors.slice(burn).map((e) => e * scale));
    if (residuals.length < 10) {
      // Too few errors to measure spread: assume +-50% of the level, as the baseline does.
      const last = values[n - 1];
      residuals.push(-0.5 * last, 0.5 * last);
      residuals.sort((a, b) => a - b);
      notes.push('few residuals: intervals set to +-50% of the last value');
    }
    return new EtsModel({ ...best.state, scale, residuals, lastValue: values[n - 1], nonNegative: values.every((v) => v >= 0), coldStart, notes });
  },
  deserialize(json: SerializedModel): FittedModel {
    if (json.model !== 'ets') throw new Error(`cannot deserialize ${json.model} as ets`);
    return new EtsModel(json.state as EtsState);
  },
};

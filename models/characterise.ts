/**
 * Series characterisation: seasonality strength, trend strength, intermittency and length, then
 * the candidate models worth fitting. Strengths follow Hyndman's definitions on a classical
 * (moving-average) decomposition: 1 − Var(remainder)/Var(component + remainder).
 */

export interface SeasonInfo {
  period: number;
  strength: number;
}

export interface Characteristics {
  length: number;
  seasons: SeasonInfo[];
  trendStrength: number;
  /** Share of exact zeros. */
  zeroShare: number;
  /** Coefficient of variation of the recent data (spikiness). */
  cv: number;
  coldStart: boolean;
  candidates: string[];
  /** Why each candidate was (or was not) chosen. */
  reasons: string[];
}

/** Daily and weekly periods in steps for a known step length (those that are whole numbers). */
export function defaultSeasons(stepSeconds: number | undefined): number[] {
  if (!stepSeconds || stepSeconds <= 0) return [];
  const out: number[] = [];
  for (const period of [86400, 604800]) {
    const m = period / stepSeconds;
    if (Number.isInteger(m) && m >= 2) out.push(m);
  }
  return out;
}

function variance(a: readonly number[]): number {
  if (a.length < 2) return 0;
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  return a.reduce((s, v) => s + (v - mean) ** 2, 0) / (a.length - 1);
}

/** Centred moving average of width m (2×m for even m); NaN at the ends. */
function centredMA(y: readonly number[], m: number): number[] {
  const n = y.length;
  const out = new Array<number>(n).fill(NaN);
  const even = m % 2 === 0;
  const half = Math.floor(m / 2);
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + y[i];
  for (let t = half; t < n - half; t++) {
    if (even) {
      // 2×m MA: average of two m-windows shifted by one.
      if (t + half >= n) continue;
      const a = (prefix[t + half] - prefix[t - half]) / m;
      const b = (prefix[t + half + 1] - prefix[t - half + 1]) / m;
      out[t] = (a + b) / 2;
    } else out[t] = (prefix[t + half + 1] - prefix[t - half]) / m;
  }
  return out;
}

/** Seasonal and trend strength for period m on (at most) the last 6 seasons of data. */
export function decomposeStrength(values: readonly number[], m: number): { seasonal: number; trend: number } {
  const y = values.slice(-Math.max(6 * m, 200));
  if (m < 2 || y.length < 2 * m) return { seasonal: 0, trend: 0 };
  const trend = centredMA(y, m);
  const phaseSum = new Float64Array(m);
  const phaseN = new Uint32Array(m);
  for (let t = 0; t < y.length; t++) {
    if (Number.isNaN(trend[t])) continue;
    phaseSum[t % m] += y[t] - trend[t];
    phaseN[t % m]++;
  }
  const seasonal = Array.from(phaseSum, (s, i) => (phaseN[i] ? s / phaseN[i] : 0));
  const mean = seasonal.reduce((s, v) => s + v, 0) / m;
  const detrended: number[] = [];
  const deseason: number[] = [];
  const remainder: number[] = [];
  for (let t = 0; t < y.length; t++) {
    if (Number.isNaN(trend[t])) continue;
    const s = seasonal[t % m] - mean;
    const r = y[t] - trend[t] - s;
    detrended.push(y[t] - trend[t]);
    deseason.push(trend[t] + r);
    remainder.push(r);
  }
  const vr = variance(remainder);
  const vd = variance(detrended);
  const vt = variance(deseason);
  return { seasonal: vd > 0 ? Math.max(0, 1 - vr / vd) : 0, trend: vt > 0 ? Math.max(0, 1 - vr / vt) : 0 };
}

/** Autocorrelation at one lag (on the last `window` points). */
export function acf(values: readonly number[], lag: number, window = 20000): number {
  const y = values.slice(-window);
  const n = y.length;
  if (lag >= n - 1) return 0;
  const mean = y.reduce((s, v) => s + v, 0) / n;
  let num = 0;
  let den = 0;
  for (let t = 0; t < n; t++) {
    const d = y[t] - mean;
    den += d * d;
    if (t >= lag) num += d * (y[t - lag] - mean);
  }
  return den > 0 ? num / den : 0;
}

/**
 * Guess a seasonal period when the step is unknown: the common periods whose autocorrelation is
 * high and clearly above that at half the lag (smooth series have high ACF at every short lag).
 */
export function detectSeason(values: readonly number[]): number[] {
  const candidates = [7, 12, 24, 48, 96, 144, 168, 288, 336, 1440, 2016, 2880];
  const found: number[] = [];
  for (const m of candidates) {
    if (values.length < 3 * m) continue;
    const r = acf(values, m);
    if (r > 0.3 && r > acf(values, Math.floor(m / 2)) + 0.1) found.push(m);
  }
  // Keep the strongest short period and one longer multiple of it (daily + weekly).
  if (found.length <= 1) return found;
  const first = found[0];
  const longer = found.filter((m) => m > first && m % first === 0);
  return longer.length ? [first, longer[longer.length - 1]] : [first];
}

export function characterise(values: readonly number[], opts: { seasons?: number[]; stepSeconds?: number } = {}): Characteristics {
  const n = values.length;
  const wanted = opts.seasons?.length ? opts.seasons : defaultSeasons(opts.stepSeconds).length ? defaultSeasons(opts.stepSeconds) : detectSeason(values);
  const seasons = wanted.filter((m) => m >= 2).map((period) => ({ period, strength: decomposeStrength(values, period).seasonal }));
  const firstSeason = seasons[0]?.period ?? 1;
  const trendStrength = decomposeStrength(values, Math.max(2, Math.min(firstSeason, Math.floor(n / 3)))).trend;
  const zeros = values.reduce((s, v) => s + (v === 0 ? 1 : 0), 0);
  const zeroShare = n ? zeros / n : 0;
  const recent = values.slice(-1000);
  const mean = recent.reduce((s, v) => s + v, 0) / Math.max(1, recent.length);
  const cv = mean !== 0 ? Math.sqrt(variance(recent)) / Math.abs(mean) : 0;
  const reasons: string[] = [];
  const coldStart = n < Math.max(30, 2 * firstSeason);
  let candidates: string[];
  if (coldStart) {
    candidates = ['naive', 'ewma'];
    reasons.push(`cold start: ${n} points < 2 seasons (${firstSeason}) or < 30; naive and EWMA with wide intervals`);
  } else {
    const seasonal = seasons.some((s) => s.strength >= 0.3 && n >= 2 * s.period);
    candidates = ['naive', 'seasonalNaive', 'ewma', 'ets'];
    if (seasonal) reasons.push(`seasonal (${seasons.map((s) => `${s.period}: ${s.strength.toFixed(2)}`).join(', ')})`);
    else reasons.push(`weak seasonality (${seasons.map((s) => `${s.period}: ${s.strength.toFixed(2)}`).join(', ') || 'no period'})`);
    if (zeroShare > 0.5) {
      reasons.push(`intermittent: ${(100 * zeroShare).toFixed(0)}% zeros; smoothing models only`);
    } else {
      candidates.push('sarima');
      if (opts.stepSeconds !== undefined && n >= 2 * Math.min(firstSeason, 288)) {
        candidates.push('prophet');
        reasons.push('timestamps known: Prophet-style trend/seasonality model');
      }
      // No GRU by default: one fit takes 6–10 s on 700–960 points (tfjs on CPU, 20–50× an ARIMA
      // fit) and the ensemble fits it twice per series, so M4 Hourly would take over an hour on 2
      // cores instead of under 3 minutes; see bench/results/forecasting.md. Ask for it by name.
    }
    if (trendStrength >= 0.5) reasons.push(`trend strength ${trendStrength.toFixed(2)}: trend-capable models (ETS damped, SARIMA, Prophet)`);
  }
  return { length: n, seasons, trendStrength, zeroShare, cv, coldStart, candidates, reasons };
}

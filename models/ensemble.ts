import { FitOptions, FittedModel, Forecast, Forecaster, QUANTILE_LEVELS, SerializedModel } from './contract';
import { characterise } from './characterise';
import { Calibration, OriginForecast, applyCalibration, calibrate, calibrationOrigins, rollingForecasts, widthFloor } from './conformal';
import { emptyQuantiles, finalizeForecast, isNonNegative, median } from './quantiles';
import { getForecaster, hasModel } from './registry';
import { validateSeries } from './validate';

/**
 * Weighted ensemble. Every member is scored on the same rolling origins inside the history; the
 * score is its mean absolute error with exponentially decayed weight on older errors (half-life
 * default 24 h of steps), weights ∝ score^−power with a floor, or "consensus" = median of the
 * best three. Each member's and the ensemble's own quantiles are conformally calibrated on the
 * same out-of-sample errors.
 */

export type EnsembleMode = 'weighted' | 'consensus';

export interface EnsembleOptions {
  /** Member names; default: the candidates of characterise(). */
  models?: string[];
  mode?: EnsembleMode;
  /** Half-life of error weights in steps; default 24 h of steps (or the first season, or 24). */
  halfLifeSteps?: number;
  /** Minimum weight of every usable member in weighted mode. */
  floor?: number;
  /** Sharpness: weight ∝ decayed MAE^−power (default 4: tuned on M4 Hourly, where 2 let weak members dilute the best). */
  power?: number;
  /** Only members within this multiple of the best error get the floor (default 2: tuned on M4 Hourly). */
  floorWithin?: number;
  /** Rolling calibration origins inside the history, and the steps between them. */
  calibrationOrigins?: number;
  stride?: number;
  /** Members that cannot roll forward without refitting are refitted at most this many times. */
  maxRefits?: number;
  /** Refit time budget per member in ms (default 10 s): slow models get fewer origins. */
  budgetMs?: number;
}

/**
 * The weighting before it was tuned on M4 Hourly (issue 4): weight ∝ MAE^−2 and the floor for
 * every member. The defaults (power 4, floor only within 2× of the best) were chosen on M4 Hourly
 * subsets, so M4 reports score both. Half-life (24 h), floor (0.02) and calibration origins were
 * not tuned on M4.
 */
export const UNTUNED_WEIGHTING: Pick<EnsembleOptions, 'power' | 'floorWithin'> = { power: 2, floorWithin: Infinity };

export interface ModelWeight {
  model: string;
  weight: number;
  /** Decayed mean absolute error on the calibration origins (NaN when unusable). */
  score: number;
  reason: string;
}

interface MemberState {
  name: string;
  model: SerializedModel;
  calibration?: Calibration;
  weight: number;
  score: number;
  reason: string;
  fitMs: number;
}

interface EnsembleState {
  mode: EnsembleMode;
  members: MemberState[];
  calibration?: Calibration;
  floorWidth: number;
  nonNegative: boolean;
  coldStart: boolean;
  notes: string[];
}

export class EnsembleModel implements FittedModel {
  readonly name = 'ensemble';
  private readonly fitted: FittedModel[];
  constructor(readonly state: EnsembleState, fitted?: FittedModel[]) {
    this.fitted = fitted ?? state.members.map((m) => getForecaster(m.name).deserialize(m.model));
  }

  weights(): ModelWeight[] {
    return this.state.members.map(({ name, weight, score, reason }) => ({ model: name, weight, score, reason }));
  }

  /** Member forecasts with their own calibrated intervals (for per-model reports). */
  memberForecasts(horizon: number): Record<string, { forecast: Forecast; forecastMs: number; fitMs: number }> {
    const out: Record<string, { forecast: Forecast; forecastMs: number; fitMs: number }> = {};
    this.state.members.forEach((m, i) => {
      const t0 = performance.now();
      let forecast: Forecast;
      try {
        forecast = applyCalibration(this.fitted[i].forecast(horizon), m.calibration, this.state.floorWidth, this.state.nonNegative);
      } catch (err) {
        forecast = flat(horizon, NaN, m.name, `forecast failed: ${(err as Error).message}`);
      }
      out[m.name] = { forecast, forecastMs: performance.now() - t0, fitMs: m.fitMs };
    });
    return out;
  }

  forecast(horizon: number): Forecast {
    return this.forecastWithMembers(horizon).forecast;
  }

  /** The ensemble forecast and the member forecasts it combined (reports need both; each member forecasts once). */
  forecastWithMembers(horizon: number): { forecast: Forecast; members: ReturnType<EnsembleModel['memberForecasts']> } {
    const members = this.memberForecasts(horizon);
    const forecasts = this.state.members.map((m) => members[m.name].forecast);
    const usable = this.state.members.map((m, i) => (forecasts[i].point.every(Number.isFinite) ? m.weight : 0));
    const combined = combine(forecasts, usable, this.state.mode, this.state.members.map((m) => m.score));
    const notes = [...this.state.notes];
    if (usable.some((w, i) => w === 0 && this.state.members[i].weight > 0)) notes.push('a member returned non-finite values and was dropped');
    const raw: Forecast = { model: this.name, horizon, point: combined.point, quantiles: combined.quantiles, coldStart: this.state.coldStart, notes };
    const forecast = applyCalibration(finalizeForecast(raw, this.state.nonNegative), this.state.calibration, this.state.floorWidth, this.state.nonNegative);
    return { forecast, members };
  }

  serialize(): SerializedModel {
    return { model: this.name, version: 1, state: this.state };
  }

  describe(): string {
    const parts = this.state.members.filter((m) => m.weight > 0).map((m) => `${m.name} ${(100 * m.weight).toFixed(0)}%`);
    return `${this.state.mode} ensemble: ${parts.join(', ')}${this.state.coldStart ? ' (cold start)' : ''}`;
  }
}

function flat(horizon: number, v: number, model: string, note: string): Forecast {
  const point = new Array(horizon).fill(v);
  const quantiles = emptyQuantiles();
  for (const l of QUANTILE_LEVELS) quantiles[l] = point.slice();
  return { model, horizon, point, quantiles, notes: [note] };
}

/** Weighted average (or consensus median of the three best-scored) of points and each quantile. */
export function combine(forecasts: readonly Forecast[], weights: readonly number[], mode: EnsembleMode, scores: readonly number[]) {
  const h = forecasts[0]?.point.length ?? 0;
  const quantiles = emptyQuantiles();
  let point: number[];
  if (mode === 'consensus') {
    const best = forecasts
      .map((_, i) => i)
      .filter((i) => weights[i] > 0 && Number.isFinite(scores[i]))
      .sort((a, b) => scores[a] - scores[b])
      .slice(0, 3);
    const pick = best.length ? best : forecasts.map((_, i) => i).filter((i) => weights[i] > 0);
    point = Array.from({ length: h }, (_, j) => median(pick.map((i) => forecasts[i].point[j])));
    for (const l of QUANTILE_LEVELS) quantiles[l] = Array.from({ length: h }, (_, j) => median(pick.map((i) => forecasts[i].quantiles[l][j])));
    return { point, quantiles };
  }
  const total = weights.reduce((s, w) => s + w, 0) || 1;
  point = Array.from({ length: h }, (_, j) => forecasts.reduce((s, f, i) => s + (weights[i] ? (weights[i] / total) * f.point[j] : 0), 0));
  for (const l of QUANTILE_LEVELS) {
    quantiles[l] = Array.from({ length: h }, (_, j) => forecasts.reduce((s, f, i) => s + (weights[i] ? (weights[i] / total) * f.quantiles[l][j] : 0), 0));
  }
  return { point, quantiles };
}

/** Decayed MAE of one member's rolling forecasts: errors at time t weigh 0.5^((n−1−t)/halfLife). */
export function decayedMae(values: readonly number[], rolled: readonly OriginForecast[], halfLife: number): number {
  const n = values.length;
  let num = 0;
  let den = 0;
  for (const { origin, forecast } of rolled) {
    for (let j = 0; j < forecast.point.length && origin + j < n; j++) {
      const e = Math.abs(values[origin + j] - forecast.point[j]);
      if (!Number.isFinite(e)) return NaN;
      const w = Math.pow(0.5, (n - 1 - (origin + j)) / halfLife);
      num += w * e;
      den += w;
    }
  }
  return den > 0 ? num / den : NaN;
}

/** Weights ∝ score^−power, then the floor; members without a finite score get 0 and say why. */
export function weightsFromScores(
  names: readonly string[],
  scores: readonly number[],
  opts: { power: number; floor: number; mode: EnsembleMode; floorWithin?: number },
): { weights: number[]; reasons: string[] } {
  const finite = scores.filter((s) => Number.isFinite(s));
  const best = finite.length ? Math.min(...finite) : NaN;
  const tiny = Math.max(1e-12, Math.abs(best) * 1e-9);
  const raw = scores.map((s) => (Number.isFinite(s) ? Math.pow(Math.max(s, tiny), -opts.power) : 0));
  const total = raw.reduce((a, b) => a + b, 0);
  const count = raw.filter((r) => r > 0).length;
  const rank = (i: number) => 1 + scores.filter((s) => Number.isFinite(s) && s < scores[i]).length;
  if (count === 0) {
    const w = names.map(() => 1 / names.length);
    return { weights: w, reasons: names.map(() => 'no out-of-sample errors to score: equal weight') };
  }
  if (opts.mode === 'consensus') {
    const top = new Set(scores.map((_, i) => i).filter((i) => Number.isFinite(scores[i])).sort((a, b) => scores[a] - scores[b]).slice(0, 3));
    const weights = scores.map((_, i) => (top.has(i) ? 1 / top.size : 0));
    const reasons = scores.map((s, i) =>
      !Number.isFinite(s) ? 'excluded: no usable out-of-sample forecast' : top.has(i) ? `rank ${rank(i)} by decayed MAE ${fmt(s)}: in the median of the best three` : `rank ${rank(i)} by decayed MAE ${fmt(s)}: not among the best three`,
    );
    return { weights, reasons };
  }
  let weights = raw.map((r) => r / total);
  const floor = Math.min(opts.floor, 1 / count);
  // The floor keeps competitive members alive for re-weighting; a member far behind the best
  // (floorWithin× its error) would only add its error, so it does not get the floor.
  const within = opts.floorWithin ?? 2;
  const floored = weights.map((w, i) => w > 0 && w < floor && scores[i] <= within * best);
  if (floored.some(Boolean)) {
    // Lift floored members to the floor and shrink the others proportionally.
    const lifted = floored.filter(Boolean).length * floor;
    const rest = weights.reduce((s, w, i) => s + (floored[i] ? 0 : w), 0);
    weights = weights.map((w, i) => (floored[i] ? floor : w > 0 ? (w * (1 - lifted)) / rest : 0));
  }
  const reasons = scores.map((s, i) => {
    if (!Number.isFinite(s)) return 'excluded: no usable out-of-sample forecast (failed or non-finite)';
    const rel = s / best;
    const base = `rank ${rank(i)} of ${count}, decayed MAE ${fmt(s)}${rel > 1 ? ` (${rel.toFixed(2)}× the best)` : ' (best)'}`;
    if (floored[i]) return `${base}: raised to the ${floor.toFixed(3)} floor`;
    return rel > within ? `${base}: more than ${within}× the best, no floor` : `${base}: weight ∝ MAE^-${opts.power}`;
  });
  return { weights, reasons };
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(3);
}

export interface EnsembleForecaster extends Forecaster {
  fit(values: readonly number[], opts?: FitOptions): Promise<EnsembleModel>;
  deserialize(json: SerializedModel): EnsembleModel;
}

export function ensembleForecaster(opts: EnsembleOptions = {}): EnsembleForecaster {
  return {
    name: 'ensemble',
    async fit(values: readonly number[], fitOptions: FitOptions = {}): Promise<EnsembleModel> {
      validateSeries(values, 2);
      const n = values.length;
      const ch = characterise(values, fitOptions);
      const seasons = fitOptions.seasons ?? ch.seasons.map((s) => s.period);
      const fitOpts: FitOptions = { ...fitOptions, seasons };
      const horizon = fitOptions.horizon ?? Math.max(1, seasons[0] ?? 12);
      const mode = opts.mode ?? 'weighted';
      const notes: string[] = [...ch.reasons];
      let names = ch.coldStart ? ['naive', 'ewma'] : (opts.models ?? ch.candidates);
      const missing = names.filter((m) => !hasModel(m));
      if (missing.length) notes.push(`not available, skipped: ${missing.join(', ')}`);
      names = names.filter(hasModel);
      const halfLife = opts.halfLifeSteps ?? (fitOptions.stepSeconds ? 86400 / fitOptions.stepSeconds : (seasons[0] ?? 24));
      const minTrain = Math.min(Math.max(20, 2 * (seasons[0] ?? 1)), Math.max(2, n - horizon - 1));
      // Calibration origins span at least a season (volatility changes over the day) and give
      // ~150 errors; members that must refit are capped by maxRefits / budgetMs.
      const stride = opts.stride ?? Math.max(1, Math.ceil(horizon / 2));
      const span = Math.max(150 / horizon, (seasons[0] ?? 1) / stride);
      const count = opts.calibrationOrigins ?? Math.min(48, Math.max(6, Math.ceil(span)));
      const origins = ch.coldStart ? [] : calibrationOrigins(n, { horizon, origins: count, stride, minTrain });
      const rolled: OriginForecast[][] = [];
      const fitMs: number[] = [];
      const failures: string[] = [];
      for (const name of names) {
        const t0 = performance.now();
        try {
          rolled.push(await rollingForecasts(values, getForecaster(name), origins, { horizon, fitOptions: fitOpts, maxRefits: opts.maxRefits ?? 6, budgetMs: opts.budgetMs ?? 10_000 }));
          failures.push('');
        } catch (err) {
          rolled.push([]);
          failures.push((err as Error).message);
        }
        fitMs.push(performance.now() - t0);
      }
      const calibrations = rolled.map((r) => calibrate(values, r, horizon));
      // Score members on the origins they share, so weights compare like with like; a member
      // with fewer than 3 origins (too slow to refit) is scored on its own and does not shrink it.
      const full = rolled.filter((r, i) => !failures[i] && r.length >= Math.min(3, origins.length));
      const common = origins.filter((o) => full.every((r) => r.some((x) => x.origin === o)));
      const scores = rolled.map((r, i) => (failures[i] || r.length === 0 ? NaN : decayedMae(values, full.includes(r) ? r.filter((x) => common.includes(x.origin)) : r, halfLife)));
      const { weights, reasons } = weightsFromScores(names, scores, { power: opts.power ?? 4, floor: opts.floor ?? 0.02, mode, floorWithin: opts.floorWithin });
      // The ensemble's own calibration: combine the members' calibrated rolling forecasts.
      const floorWidth = widthFloor(values);
      const nonNegative = isNonNegative(values);
      // Origins where a refitting member has no forecast combine the others (renormalised).
      const combinedRolled: OriginForecast[] = origins.map((origin) => {
        const fs = names.map((_, i) => {
          const at = rolled[i].find((x) => x.origin === origin);
          return at ? applyCalibration(at.forecast, calibrations[i], floorWidth, nonNegative) : flat(horizon, NaN, names[i], 'missing');
        });
        const w = weights.map((wt, i) => (fs[i].point.every(Number.isFinite) ? wt : 0));
        const c = combine(fs, w, mode, scores);
        return { origin, forecast: finalizeForecast({ model: 'ensemble', horizon, ...c }, nonNegative) };
      });
      const calibration = calibrate(values, combinedRolled, horizon);
      // Final fits on the whole history.
      const fitted: FittedModel[] = [];
      const members: MemberState[] = [];
      for (let i = 0; i < names.length; i++) {
        const t0 = performance.now();
        let model: FittedModel;
        let weight = weights[i];
        let reason = failures[i] ? `excluded: ${failures[i]}` : reasons[i];
        try {
          model = await getForecaster(names[i]).fit(values, fitOpts);
        } catch (err) {
          model = await getForecaster('naive').fit(values, fitOpts);
          weight = 0;
          reason = `excluded: fit failed (${(err as Error).message})`;
        }
        fitMs[i] += performance.now() - t0;
        fitted.push(model);
        members.push({ name: names[i], model: model.serialize(), calibration: calibrations[i], weight, score: scores[i], reason, fitMs: fitMs[i] });
      }
      if (ch.coldStart) notes.push('cold start: intervals from the last values, widened');
      const state: EnsembleState = { mode, members, calibration, floorWidth, nonNegative, coldStart: ch.coldStart, notes };
      return new EnsembleModel(state, fitted);
    },
    deserialize(json: SerializedModel): EnsembleModel {
      if (json.model !== 'ensemble') throw new Error(`cannot deserialize ${json.model} as ensemble`);
      return new EnsembleModel(json.state as EnsembleState);
    },
  };
}

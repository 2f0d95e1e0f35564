import type { SimForecast, SimForecaster } from '../forecast-adapter';
import { RollingQuantile } from '../rolling-quantile';

/**
 * One forecasting engine followed through the trace by the predictive policy: refit every N steps
 * and shifted along in between, re-anchored to the observed level, with an upper quantile
 * calibrated on its own realised errors, and a running score of how good that quantile was.
 * Everything here learns from observed steps only.
 */
export interface TrackOptions {
  quantile: number;
  bootSteps: number;
  refitEvery: number;
  historyWindow: number;
  levelAlpha: number;
  scaleAlpha: number;
  conformal: boolean;
  calibrationWindow: number;
  /** EWMA weight of the newest loss in the track's score. */
  scoreAlpha: number;
  /**
   * `mae`: absolute error of the anchored point at the longest lead (sharpness; the conformal
   * step fixes coverage for whichever track wins). `pinball`: pinball loss of its upper quantile.
   */
  selectBy: 'mae' | 'pinball';
  seasons: number[];
  stepSeconds?: number;
  /**
   * Smallest error scale: a share of the typical demand. Without it a run of zeros (an outage)
   * shrinks the scale towards 0 and the first busy step after it becomes a huge standardised error
   * that poisons the calibration window.
   */
  minScale: number;
}

/** Standardised errors are clipped here so one freak step cannot dominate an extreme quantile. */
const MAX_STANDARDISED_ERROR = 50;

/** Below this many errors per lead time the engine's own quantiles are used. */
const MIN_CALIBRATION = 50;

export class ForecastTrack {
  refits = 0;
  /** EWMA of the selection loss (see `selectBy`; lower is better). */
  score = 0;
  private scored = 0;
  private active?: { origin: number; forecast: SimForecast; upper: number[]; lower: number[] };
  private level = 0;
  private scale: number;
  private readonly anchored: Float64Array[];
  private readonly scaleAt: Float64Array[];
  private readonly upperAt: Float64Array;
  private readonly errors: RollingQuantile[];

  constructor(
    readonly forecaster: SimForecaster,
    private readonly opts: TrackOptions,
    length: number,
    initialScale: number,
  ) {
    const B = opts.bootSteps;
    this.scale = Math.max(opts.minScale, initialScale);
    this.anchored = Array.from({ length: B + 1 }, () => new Float64Array(length).fill(NaN));
    this.scaleAt = Array.from({ length: B + 1 }, () => new Float64Array(length).fill(NaN));
    this.upperAt = new Float64Array(length).fill(NaN);
    this.errors = Array.from({ length: B + 1 }, () => new RollingQuantile(opts.calibrationWindow));
  }

  /** Step `s` has been observed with demand `d` (in the policy's event-free units). */
  observe(s: number, d: number): void {
    const { bootSteps: B, quantile: p } = this.opts;
    for (let k = 0; k <= B; k++) {
      const a = this.anchored[k][s];
      if (!Number.isNaN(a)) {
        const z = (d - a) / this.scaleAt[k][s];
        this.errors[k].push(Math.max(-MAX_STANDARDISED_ERROR, Math.min(MAX_STANDARDISED_ERROR, z)));
      }
    }
    const u = this.opts.selectBy === 'pinball' ? this.upperAt[s] : this.anchored[B][s];
    if (!Number.isNaN(u)) {
      const loss = this.opts.selectBy === 'pinball' ? (d >= u ? (d - u) * p : (u - d) * (1 - p)) : Math.abs(d - u);
      this.score = this.scored === 0 ? loss : (1 - this.opts.scoreAlpha) * this.score + this.opts.scoreAlpha * loss;
      this.scored++;
    }
    if (this.active && s >= this.active.origin) {
      const err = d - (this.active.forecast.point[s - this.active.origin] + this.level);
      this.level += this.opts.levelAlpha * err;
      this.scale = Math.max(this.opts.minScale, (1 - this.opts.scaleAlpha) * this.scale + this.opts.scaleAlpha * Math.abs(err));
    }
  }

  get hasScore(): boolean {
    return this.scored >= MIN_CALIBRATION;
  }

  /**
   * Upper quantiles for steps t … t+B, from history `series[0 … t-1]`. Records what it promised
   * so `observe` can score it later.
   */
  async upper(t: number, series: readonly number[]): Promise<{ upper: number[]; point: number; lower: number }> {
    const { bootSteps: B, quantile: p, refitEvery } = this.opts;
    if (!this.active || t - this.active.origin >= refitEvery) {
      const history = series.slice(Math.max(0, t - this.opts.historyWindow), t) as number[];
      const forecast = await this.forecaster.forecast(history, refitEvery + B + 1, { seasons: this.opts.seasons, stepSeconds: this.opts.stepSeconds, origin: t });
      this.active = { origin: t, forecast, upper: forecast.quantile(p), lower: forecast.quantile(0.05) };
      this.refits++;
    }
    const { forecast, upper: engineUpper, lower: engineLower } = this.active;
    const j = t - this.active.origin;
    const out: number[] = [];
    let point = 0;
    let lower = 0;
    for (let k = 0; k <= B; k++) {
      const a = Math.max(0, forecast.point[j + k] + this.level);
      this.anchored[k][t + k] = a;
      this.scaleAt[k][t + k] = this.scale;
      const calibrated = this.opts.conformal && this.errors[k].size >= MIN_CALIBRATION;
      out.push(calibrated ? a + this.scale * this.errors[k].quantile(p) : engineUpper[j + k] + this.level);
      if (k === 0) {
        point = a;
        lower = calibrated ? a + this.scale * this.errors[0].quantile(0.05) : engineLower[j] + this.level;
      }
    }
    if (t + B < this.upperAt.length) this.upperAt[t + B] = out[B];
    return { upper: out, point, lower: Math.max(0, lower) };
  }
}

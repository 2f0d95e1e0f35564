import { normalQuantile } from '../../models/quantiles';
import { RollingQuantile } from './rolling-quantile';

/**
 * The buffer above the forecast: conformal quantiles of the *window peak* (the largest demand over
 * the leads the plan covers), sized for that peak directly rather than a quantile stacked on each
 * step. Two rules, each calibrated on its own realised residuals:
 * - `forecast`: peak forecast + scale × quantile of (realised peak − forecast peak) / scale, where
 *   scale is the planner's error scale at decision time (heteroscedastic: calm stretches get a
 *   small buffer, bursty ones a large one);
 * - `recent-max`: the largest of the last few observations × quantile of (realised peak / that
 *   maximum) — the reactive rule, with a headroom learned from the data instead of configured.
 * Per quantile, the rule with the lower recent pinball loss (decayed) is used: on series whose
 * bursts the forecast cannot explain this falls back to the calibrated reactive rule.
 */
export type PeakRule = 'forecast' | 'recent-max';
export const PEAK_RULES: readonly PeakRule[] = ['forecast', 'recent-max'];

/** Standardised residuals and ratios are clipped so one freak step cannot dominate a window. */
const MAX_Z = 50;
const MAX_RATIO = 50;

export interface PeakBasis {
  /** Forecast peak over the window. */
  peak: number;
  /** Error scale at decision time. */
  scale: number;
  /** The same without its floor: sizes the band before calibration. */
  observedScale: number;
  /** Largest of the last few observations. */
  recentMax: number;
}

export class PeakRules {
  private readonly z: RollingQuantile;
  private readonly ratio: RollingQuantile;
  /** Decayed pinball loss per quantile per rule. */
  private readonly loss: number[][];
  private readonly decay: number;

  constructor(
    private readonly quantiles: readonly number[],
    calibration: number,
    private readonly minCalibration: number,
    halfLife: number,
    private readonly floorScale: number,
  ) {
    this.z = new RollingQuantile(calibration);
    this.ratio = new RollingQuantile(calibration);
    this.loss = quantiles.map(() => PEAK_RULES.map(() => 0));
    this.decay = 2 ** (-1 / Math.max(1, halfLife));
  }

  get calibrated(): boolean {
    return this.z.size >= this.minCalibration;
  }

  get residuals(): number {
    return this.z.size;
  }

  /** Upper peak per quantile per rule (before any cap). */
  uppers(b: PeakBasis): number[][] {
    const base = Math.max(b.recentMax, this.floorScale);
    return this.quantiles.map((q) => {
      if (!this.calibrated) {
        // Too few residuals: a wide normal band sized by the errors seen so far, the plain recent max on the other rule.
        return [b.peak + 1.5 * normalQuantile(q) * b.observedScale, Math.max(b.recentMax, b.peak)];
      }
      return [b.peak + b.scale * this.z.quantile(q), base * this.ratio.quantile(q)];
    });
  }

  /** The realised window peak of a past decision: residuals for calibration, losses for the choice. */
  record(b: PeakBasis, realisedPeak: number, uppers: readonly number[][]): void {
    this.quantiles.forEach((q, qi) =>
      uppers[qi].forEach((u, ri) => {
        const pinball = realisedPeak >= u ? q * (realisedPeak - u) : (1 - q) * (u - realisedPeak);
        this.loss[qi][ri] = this.decay * this.loss[qi][ri] + (1 - this.decay) * pinball;
      }),
    );
    this.z.push(clip((realisedPeak - b.peak) / b.scale, -MAX_Z, MAX_Z));
    this.ratio.push(clip(realisedPeak / Math.max(b.recentMax, this.floorScale), 0, MAX_RATIO));
  }

  /** Index (into PEAK_RULES) of the rule with the lowest recent loss at quantile index `qi`. */
  choose(qi: number): number {
    if (!this.calibrated) return 0;
    const l = this.loss[qi];
    let best = 0;
    for (let r = 1; r < l.length; r++) if (l[r] < l[best]) best = r;
    return best;
  }
}

function clip(x: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, x));
}

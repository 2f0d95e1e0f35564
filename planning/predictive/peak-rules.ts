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
 * The rule with the lower recent pinball loss (decayed, summed over the reference quantiles 0.9,
 * 0.95 and 0.99) is used for every quantile asked, so a higher quantile never switches to another
 * rule than a lower one: on series whose bursts the forecast cannot explain this is the calibrated
 * reactive rule. Beyond the top 1% of residuals the quantiles come from an exponential tail.
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

/** The quantiles the rule choice is scored at, whatever quantile a plan asks for. */
export const REFERENCE_QUANTILES: readonly number[] = [0.9, 0.95, 0.99];

export class PeakRules {
  private readonly z: RollingQuantile;
  private readonly ratio: RollingQuantile;
  /** Decayed pinball loss per rule, summed over the reference quantiles. */
  private readonly loss: number[];
  private readonly decay: number;

  constructor(
    private readonly quantiles: readonly number[],
    calibration: number,
    private readonly minCalibration: number,
    halfLife: number,
    private readonly floorScale: number,
    /** Rules allowed to be chosen (indices into PEAK_RULES). */
    private readonly allowed: readonly PeakRule[] = PEAK_RULES,
  ) {
    this.z = new RollingQuantile(calibration);
    this.ratio = new RollingQuantile(calibration);
    this.loss = PEAK_RULES.map(() => 0);
    this.decay = 2 ** (-1 / Math.max(1, halfLife));
  }

  get calibrated(): boolean {
    return this.z.size >= this.minCalibration;
  }

  get residuals(): number {
    return this.z.size;
  }

  /** Upper peak per asked quantile per rule (before any cap). */
  uppers(b: PeakBasis): number[][] {
    return this.at(b, this.quantiles);
  }

  /** Upper peak per reference quantile per rule: what `record` scores the rules on. */
  referenceUppers(b: PeakBasis): number[][] {
    return this.at(b, REFERENCE_QUANTILES);
  }

  private at(b: PeakBasis, quantiles: readonly number[]): number[][] {
    const base = Math.max(b.recentMax, this.floorScale);
    return quantiles.map((q) => {
      if (!this.calibrated) {
        // Too few residuals: a wide normal band sized by the errors seen so far, the plain recent max on the other rule.
        return [b.peak + 1.5 * normalQuantile(q) * b.observedScale, Math.max(b.recentMax, b.peak)];
      }
      const tail = Math.max(10, Math.round(0.01 * this.z.size));
      return [b.peak + b.scale * this.z.tailQuantile(q, tail), base * this.ratio.tailQuantile(q, tail)];
    });
  }

  /** The realised window peak of a past decision: residuals for calibration, losses for the choice (`reference` = its referenceUppers, capped as planned). */
  record(b: PeakBasis, realisedPeak: number, reference: readonly number[][]): void {
    PEAK_RULES.forEach((_, ri) => {
      let pinball = 0;
      REFERENCE_QUANTILES.forEach((q, qi) => {
        const u = reference[qi][ri];
        pinball += realisedPeak >= u ? q * (realisedPeak - u) : (1 - q) * (u - realisedPeak);
      });
      this.loss[ri] = this.decay * this.loss[ri] + (1 - this.decay) * pinball;
    });
    this.z.push(clip((realisedPeak - b.peak) / b.scale, -MAX_Z, MAX_Z));
    this.ratio.push(clip(realisedPeak / Math.max(b.recentMax, this.floorScale), 0, MAX_RATIO));
  }

  /** Index (into PEAK_RULES) of the allowed rule with the lowest recent loss. */
  choose(): number {
    const ok = PEAK_RULES.map((r) => this.allowed.includes(r));
    const first = ok.indexOf(true);
    if (!this.calibrated) return first;
    let best = first;
    for (let r = 0; r < this.loss.length; r++) if (ok[r] && this.loss[r] < this.loss[best]) best = r;
    return best;
  }
}

function clip(x: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, x));
}

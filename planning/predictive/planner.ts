import { weightsForLead, type LeadBucketWeights, type LeadObservation } from '../../learning/lead-hedge';
import { DropoutDetector } from './dropouts';
import { type PlannerOptions, validatePlannerOptions } from './options';
import { PEAK_RULES, PeakRules, type PeakBasis, type PeakRule } from './peak-rules';
import { TwoSpeedScale } from './scale';
import { SlidingMax } from './sliding-max';

/**
 * The predictive planner: the one brain behind a decision's forecast step, the control loop (which
 * only triggers decisions) and the simulator's predictive policy. Fed one observation at a time and
 * asked for a plan at any point, with the models' point paths from that point:
 * 1. each model's path is re-anchored to the newest level (EWMA of its own one-step errors);
 * 2. the paths are combined with the learned weights (Hedge/Exp3, set from outside), each lead
 *    with its lead bucket's weights when there are per-lead weights;
 * 3. the buffer covers the peak over the plan's window at the configured quantile
 *    (peak-rules.ts: forecast residuals or the calibrated reactive rule, whichever has been right);
 * 4. the plan is never below the newest observed demand — the reactive floor it can always fall
 *    back to — nor above the largest demand of the last week unless the forecast itself says so;
 * 5. dropouts (NaN, outage zeros) are missing data: nothing learns from them, and the plan says so.
 * Pure: no I/O, no clocks, no randomness; the same inputs give the same plan.
 */

export interface PlannedBuffer {
  quantile: number;
  rule: PeakRule;
  /** Window-peak demand at this quantile (after the cap). */
  upper: number;
  capped: boolean;
  /** What to provision for: max(upper, newest observed demand). */
  demand: number;
  /** Which of the two set `demand`. */
  bound: 'forecast' | 'observed';
}

export interface DemandPlan {
  /** Observations seen when the plan was made (the plan is for leads after observation origin − 1). */
  origin: number;
  /** Combined, re-anchored point path for leads 1 … window.to. */
  point: number[];
  /** Each model's re-anchored path (what reweighting later scores). */
  perModel: Record<string, number[]>;
  /** The pooled weights (one vector for every lead; what the record shows per model). */
  weights: Record<string, number>;
  /** Forecast peak over the window. */
  peak: number;
  scale: number;
  recentMax: number;
  lastObserved: number;
  /** The newest observation was missing (NaN or an outage zero): hold, do not scale in on it. */
  dropout: boolean;
  calibrated: boolean;
  /** Realised window peaks the buffer was calibrated on. */
  residuals: number;
  /** Largest demand of the cap window. */
  cap: number;
  buffers: PlannedBuffer[];
}

interface Pending {
  origin: number;
  perModel: number[][];
  combined: number[];
  basis: PeakBasis;
  /** The rules' uppers at the reference quantiles, capped as the plan was. */
  reference: number[][];
}

/** Observations the HPA-like recent maximum looks back on (Kubernetes HPA's 5-step stabilisation). */
const RECENT_STEPS = 5;

export class DemandPlanner {
  private readonly clean: number[] = [];
  private readonly missingAt: boolean[] = [];
  private readonly anchors: number[];
  private readonly scale: TwoSpeedScale;
  private readonly rules: PeakRules;
  private readonly detector: DropoutDetector;
  private readonly maxWindow: SlidingMax;
  private readonly pending: Pending[] = [];
  private weights: number[];
  /** Weights per lead (index 0 = lead 1), normalised; the pooled ones when none were set per lead. */
  private leadWeights: number[][];
  private observations: LeadObservation[] = [];
  private lastValid = NaN;
  private readonly keepObservations: boolean;

  /**
   * `typical`: a typical demand level (e.g. the history's mean), which sets the smallest error
   * scale; `initialScale`: a starting error scale (e.g. the mean absolute one-step change).
   */
  constructor(
    readonly models: readonly string[],
    readonly options: PlannerOptions,
    init: { typical: number; initialScale: number; /** Keep realised (paths, demand) pairs for `drainObservations` (the simulator's Hedge). */ observations?: boolean },
  ) {
    this.keepObservations = init.observations ?? false;
    validatePlannerOptions(options);
    if (models.length === 0) throw new RangeError('planner: give at least one model');
    const minScale = Math.max(1e-9, options.minScaleShare * Math.abs(init.typical));
    this.anchors = models.map(() => 0);
    this.weights = models.map(() => 1 / models.length);
    this.leadWeights = Array.from({ length: options.window.to }, () => this.weights);
    this.scale = new TwoSpeedScale(init.initialScale, minScale, options.scale);
    this.rules = new PeakRules(options.quantiles, options.calibration, options.minCalibration, options.ruleHalfLife, minScale, options.rules);
    this.detector = new DropoutDetector(options.dropoutRun, options.dropoutMaxZeroShare, Math.max(1, options.capSteps || 2016));
    this.maxWindow = new SlidingMax(Math.max(1, options.capSteps));
  }

  /** The observations so far with missing ones carried forward: what the models forecast from. */
  get history(): readonly number[] {
    return this.clean;
  }

  get dropouts(): number {
    return this.detector.missing;
  }

  /**
   * Learned weights (missing models get 0; all zero → equal): `pooled` for every lead, or per lead
   * bucket where `byLead` has one.
   */
  setWeights(pooled: Readonly<Record<string, number>>, byLead?: readonly LeadBucketWeights[]): void {
    this.weights = this.normalised(pooled);
    this.leadWeights = Array.from({ length: this.options.window.to }, (_, j) => (byLead ? this.normalised(weightsForLead(byLead, pooled, j + 1)) : this.weights));
  }

  /** The weights lead `lead` is combined with: its bucket's, or the pooled ones (read on demand; plans do not carry them). */
  weightsAt(lead: number): Record<string, number> {
    const w = this.leadWeights[lead - 1] ?? this.weights;
    return Object.fromEntries(this.models.map((m, k) => [m, w[k]]));
  }

  private normalised(w: Readonly<Record<string, number>>): number[] {
    const raw = this.models.map((m) => (Number.isFinite(w[m]) && w[m] > 0 ? w[m] : 0));
    const total = raw.reduce((a, b) => a + b, 0);
    return total > 0 ? raw.map((x) => x / total) : this.models.map(() => 1 / this.models.length);
  }

  /** Realised (model paths, demand) pairs since the last call, each with its lead, for Hedge. */
  drainObservations(): LeadObservation[] {
    const out = this.observations;
    this.observations = [];
    return out;
  }

  /** The next observation (NaN when missing). */
  observe(value: number): void {
    const missing = this.detector.push(value);
    const i = this.clean.length;
    if (!missing) this.lastValid = value;
    this.clean.push(missing ? (Number.isFinite(this.lastValid) ? this.lastValid : 0) : value);
    this.missingAt.push(missing);
    if (!missing) this.maxWindow.push(i, value);
    if (!missing) this.learnFrom(i, value);
    this.completeWindow(i);
  }

  /** The plan at the current origin, given each model's point path for leads 1 … window.to. */
  plan(paths: Readonly<Record<string, readonly number[]>>): DemandPlan {
    const { window, quantiles } = this.options;
    const n = this.clean.length;
    const perModel = this.models.map((m, k) => {
      const p = paths[m];
      if (!p || p.length < window.to) throw new RangeError(`planner: model ${m} gave ${p?.length ?? 0} steps; the window needs ${window.to}`);
      return p.slice(0, window.to).map((v) => Math.max(0, (Number.isFinite(v) ? v : this.lastOr0()) + this.anchors[k]));
    });
    const combined = this.combine(perModel);
    let peak = 0;
    for (let k = window.from; k <= window.to; k++) peak = Math.max(peak, combined[k - 1]);
    let recentMax = 0;
    for (let k = 1; k <= RECENT_STEPS && n - k >= 0; k++) if (!this.missingAt[n - k]) recentMax = Math.max(recentMax, this.clean[n - k]);
    const basis: PeakBasis = { peak, scale: this.scale.value, observedScale: this.scale.observed, recentMax };
    const cap = this.options.capSteps > 0 ? Math.max(peak, this.maxWindow.max(n - 1)) : Infinity;
    const capped = (rows: number[][]) => rows.map((row) => row.map((u) => Math.min(u, cap)));
    const raw = this.rules.uppers(basis);
    const uppers = capped(raw);
    this.pending.push({ origin: n, perModel, combined, basis, reference: capped(this.rules.referenceUppers(basis)) });
    const lastObserved = Number.isFinite(this.lastValid) ? this.lastValid : 0;
    const r = this.rules.choose();
    const buffers = quantiles.map((quantile, qi): PlannedBuffer => {
      const upper = uppers[qi][r];
      const demand = Math.max(upper, lastObserved);
      return { quantile, rule: PEAK_RULES[r], upper, capped: raw[qi][r] > upper, demand, bound: upper >= lastObserved ? 'forecast' : 'observed' };
    });
    const named = (xs: readonly number[]) => Object.fromEntries(this.models.map((m, k) => [m, xs[k]]));
    return {
      origin: n,
      point: combined,
      perModel: Object.fromEntries(this.models.map((m, k) => [m, perModel[k]])),
      weights: named(this.weights),
      peak,
      scale: basis.scale,
      recentMax,
      lastObserved,
      dropout: n > 0 && this.missingAt[n - 1],
      calibrated: this.rules.calibrated,
      residuals: this.rules.residuals,
      cap,
      buffers,
    };
  }

  private lastOr0(): number {
    return Number.isFinite(this.lastValid) ? this.lastValid : 0;
  }

  private combine(perModel: number[][]): number[] {
    const h = perModel[0].length;
    if (this.options.combine === 'consensus') {
      const top = (w: number[]) =>
        this.models
          .map((_, k) => k)
          .sort((a, b) => w[b] - w[a] || a - b)
          .slice(0, Math.min(3, this.models.length));
      return Array.from({ length: h }, (_, j) => median(top(this.leadWeights[j]).map((k) => perModel[k][j])));
    }
    return Array.from({ length: h }, (_, j) => perModel.reduce((s, p, k) => s + this.leadWeights[j][k] * p[j], 0));
  }

  /** Observation i (not missing): one-step errors re-anchor the models and move the scale; Hedge gets every realised lead. */
  private learnFrom(i: number, v: number): void {
    for (const p of this.pending) {
      const lead = i - p.origin + 1;
      if (lead < 1 || lead > p.combined.length) continue;
      if (this.keepObservations) {
        const predicted: Record<string, number> = {};
        this.models.forEach((m, k) => (predicted[m] = p.perModel[k][lead - 1]));
        this.observations.push({ actual: v, predicted, lead });
      }
      if (lead === 1) {
        this.scale.update(Math.abs(v - p.combined[0]));
        p.perModel.forEach((path, k) => (this.anchors[k] += this.options.levelAlpha * (v - path[0])));
      }
    }
  }

  /** The prediction whose window ends at observation i gets its realised peak (unless data was missing). */
  private completeWindow(i: number): void {
    const { from, to } = this.options.window;
    const origin = i + 1 - to;
    while (this.pending.length && this.pending[0].origin < origin) this.pending.shift();
    const p = this.pending[0];
    if (!p || p.origin !== origin) return;
    this.pending.shift();
    let peak = 0;
    for (let k = from; k <= to; k++) {
      const j = origin - 1 + k;
      if (j < 0 || this.missingAt[j]) return;
      peak = Math.max(peak, this.clean[j]);
    }
    this.rules.record(p.basis, peak, p.reference);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Settings of the predictive planner (planning/predictive/planner.ts). One set of defaults serves
 * the decision saga and the simulator; none was chosen on a benchmark trace (BENCHMARKS.md says
 * which development series they were tried on).
 */

export interface PlannerOptions {
  /** Leads (steps after the newest observation) whose peak the plan covers, inclusive: [from, to]. */
  window: { from: number; to: number };
  /** Buffer quantiles of the window peak to compute (the first is the one the plan acts on). */
  quantiles: number[];
  /** EWMA weight of the newest one-step error in each model's level correction (re-anchoring). */
  levelAlpha: number;
  /**
   * Error scale: a slow, robust EWMA of the one-step absolute error (each error clipped at `clip`
   * times the slow scale, so one burst cannot inflate it) and a fast one that notices a burst
   * within a few steps; the scale is the larger of the two.
   */
  scale: { slowAlpha: number; fastAlpha: number; clip: number };
  /** Realised window-peak residuals kept per rule (a sliding window). */
  calibration: number;
  /** Below this many residuals the buffer is a wide normal approximation. */
  minCalibration: number;
  /** Half-life in steps of the pinball loss that picks the buffer rule. */
  ruleHalfLife: number;
  /** The buffer never takes the plan above the largest demand seen in this many steps (or the predicted peak); 0 = no cap. */
  capSteps: number;
  /** A run of at least this many exact zeros, in a series that is rarely zero, is a dropout (missing data). */
  dropoutRun: number;
  /** "Rarely zero": at most this share of the recent observations were zero. */
  dropoutMaxZeroShare: number;
  /** Smallest error scale, as a share of the typical demand (an outage must not shrink it to 0). */
  minScaleShare: number;
  /** How the models' paths are combined: by the learned weights, or the median of the three heaviest. */
  combine: 'weighted' | 'consensus';
  /** Buffer rules the planner may choose from (both by default; benchmarks switch one off to measure it). */
  rules: Array<'forecast' | 'recent-max'>;
}

/** Steps in `seconds` (at least 1). */
export function stepsIn(seconds: number, stepSeconds: number): number {
  return Math.max(1, Math.round(seconds / stepSeconds));
}

export function defaultPlannerOptions(stepSeconds: number, window: PlannerOptions['window'], quantiles: number[] = [0.95]): PlannerOptions {
  return {
    window,
    quantiles,
    levelAlpha: 0.1,
    scale: { slowAlpha: 0.02, fastAlpha: 0.1, clip: 4 },
    calibration: 2000,
    minCalibration: 50,
    ruleHalfLife: 500,
    capSteps: stepsIn(7 * 86_400, stepSeconds),
    dropoutRun: 3,
    dropoutMaxZeroShare: 0.05,
    minScaleShare: 0.01,
    combine: 'weighted',
    rules: ['forecast', 'recent-max'],
  };
}

/** Checks options a caller built by hand; names the field and the fix. */
export function validatePlannerOptions(o: PlannerOptions): void {
  const bad = (field: string, fix: string) => {
    throw new RangeError(`planner.${field}: ${fix}`);
  };
  if (!Number.isInteger(o.window.from) || o.window.from < 1) bad('window.from', `must be an integer >= 1 (lead in steps), got ${o.window.from}`);
  if (!Number.isInteger(o.window.to) || o.window.to < o.window.from) bad('window.to', `must be an integer >= window.from (${o.window.from}), got ${o.window.to}`);
  if (o.quantiles.length === 0) bad('quantiles', 'give at least one buffer quantile, e.g. [0.95]');
  for (const q of o.quantiles) if (!(q > 0 && q < 1)) bad('quantiles', `each must be in (0, 1), got ${q}`);
  if (!(o.levelAlpha >= 0 && o.levelAlpha <= 1)) bad('levelAlpha', `must be in [0, 1], got ${o.levelAlpha}`);
  if (!(o.calibration >= o.minCalibration && o.minCalibration >= 1)) bad('calibration', `must be >= minCalibration (${o.minCalibration}) >= 1`);
  if (o.rules.length === 0) bad('rules', "give at least one buffer rule: 'forecast' and/or 'recent-max'");
}

/** The planner's models when a service or the simulator names none (retraining fits these). */
export const DEFAULT_PLANNER_MODELS: readonly string[] = ['naive', 'seasonalNaive', 'ewma', 'ets', 'prophet'];

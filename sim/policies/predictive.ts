import { hasModel } from '../../models/registry';
import { DEFAULT_PLANNER_MODELS } from '../../planning/predictive/options';
import type { ForecastBand, PolicyContext, PolicyResult, ScalingPolicy } from '../policy';
import { planTrace, traceDefaults, type PlannerTraceOptions, type TracePlans } from '../planner-trace';
import { eventFactor, type LoadEvent } from '../profiles/events';
import { seasonsFor } from '../seasons';

export interface PredictiveOptions {
  /** The buffer quantile of the window peak the fleet is sized for (default 0.95). */
  quantile?: number;
  /** Models (models/registry names) the planner combines; default: the product's (DEFAULT_PLANNER_MODELS). */
  models?: string[];
  /** Multiplicative headroom on top of the planned demand (1 = none). */
  buffer?: number;
  /** Steps between refits (the retrain schedule; default one day of steps). */
  retrainEvery?: number;
  /** Steps between Hedge reweights (default one hour of steps). */
  reweightEvery?: number;
  /** weighted (learned weights, default) or consensus (median of the three heaviest). */
  combine?: 'weighted' | 'consensus';
  seasons?: number[];
  /**
   * Scheduled events known in advance (a campaign on the marketing calendar), in trace steps.
   * The planner learns and forecasts demand with their effect divided out; the plan is multiplied
   * by the largest factor over the window it covers, so the fleet is scaled up before the event.
   */
  events?: LoadEvent[];
  /** Plans shared by the policies of one frontier sweep (sim/frontier.ts). */
  plans?: TracePlans;
  /** Planner settings other than the product's defaults (experiments and tests). */
  planner?: PlannerTraceOptions['planner'];
  /** Hedge settings other than the product's defaults. */
  learning?: PlannerTraceOptions['learning'];
}

/**
 * Kinetic's predictive policy: the product's planner (planning/predictive) and learning loop run
 * over the replayed history — the same code a decision runs. r_t covers the window peak
 * d_t … d_{t+B} at the buffer quantile, never below the newest observed need; during a dropout
 * (outage zeros) it holds the previous count. Reads only d_0 … d_{t−1} when deciding step t.
 */
export function predictivePolicy(opts: PredictiveOptions = {}): ScalingPolicy {
  return {
    name: 'predictive',
    async decide(ctx: PolicyContext): Promise<PolicyResult> {
      const quantile = opts.quantile ?? 0.95;
      const plans = opts.plans ?? (await tracePlans(ctx, opts, [quantile]));
      return decisionsFrom(ctx, plans, quantile, opts);
    },
  };
}

/** The planner's plans for a trace at several quantiles at once (a frontier sweep reuses them). */
export async function tracePlans(ctx: PolicyContext, opts: PredictiveOptions, quantiles: number[]): Promise<TracePlans> {
  const { demand, params } = ctx;
  const models = opts.models ?? [...DEFAULT_PLANNER_MODELS];
  const unknown = models.filter((m) => !hasModel(m));
  if (unknown.length) throw new RangeError(`predictive: unknown model(s) ${unknown.join(', ')}`);
  const seasons = opts.seasons ?? seasonsFor(ctx.stepSeconds, params.warmup);
  const base = traceDefaults(ctx.stepSeconds, params.bootSteps, seasons);
  const factor = eventFactors(opts.events ?? [], demand.length + params.bootSteps + 1);
  const learned = opts.events?.length ? demand.map((d, t) => d / factor[t]) : demand;
  return planTrace(learned, params.warmup, {
    ...base,
    models,
    quantiles,
    retrainEvery: opts.retrainEvery ?? base.retrainEvery,
    reweightEvery: opts.reweightEvery ?? base.reweightEvery,
    combine: opts.combine,
    planner: opts.planner,
    learning: opts.learning ?? base.learning,
  });
}

export function decisionsFrom(ctx: PolicyContext, plans: TracePlans, quantile: number, opts: PredictiveOptions): PolicyResult {
  const { demand, params } = ctx;
  const C = params.capacity;
  const B = params.bootSteps;
  const factor = eventFactors(opts.events ?? [], demand.length + B + 1);
  const buffer = opts.buffer ?? 1;
  const decisions: number[] = [];
  const band: ForecastBand = { point: [], lower: [], upper: [] };
  let previous = params.warmup > 0 ? Math.max(1, Math.ceil(demand[params.warmup - 1] / C)) : 1;
  const rules: Record<string, number> = {};
  for (let t = params.warmup; t < demand.length; t++) {
    const plan = plans.plans[t - plans.firstStep];
    const b = plan.buffers.find((x) => x.quantile === quantile);
    if (!b) throw new RangeError(`predictive: no plan at quantile ${quantile}`);
    let f = 1;
    for (let k = 0; k <= B; k++) f = Math.max(f, factor[t + k]);
    // Missing data is not demand: hold the fleet rather than scale in on it.
    const r = plan.dropout ? previous : Math.max(1, Math.ceil((b.demand * f * buffer) / C - 1e-9));
    decisions.push(r);
    previous = r;
    rules[plan.dropout ? 'hold (dropout)' : b.bound === 'observed' ? 'observed floor' : b.rule] = (rules[plan.dropout ? 'hold (dropout)' : b.bound === 'observed' ? 'observed floor' : b.rule] ?? 0) + 1;
    band.point.push(plan.point[0] * factor[t]);
    band.upper.push(b.upper * f);
    band.lower.push(Math.max(0, plan.point[0] - plan.scale) * factor[t]);
  }
  const scored = Math.max(1, demand.length - params.warmup);
  const share = (m: Record<string, number>) => Object.entries(m).map(([k, v]) => `${k} ${((100 * v) / scored).toFixed(0)}%`).join(', ');
  const note = `planner: q=${quantile}; models heaviest: ${share(plans.heaviest)}; bound: ${share(rules)}; ${plans.refits} refits, ${plans.reweights} reweights, ${plans.dropouts} dropout steps`;
  return { decisions, band, note };
}

/** Combined multiplier of the known events at every step (1 where none runs). */
function eventFactors(events: readonly LoadEvent[], length: number): number[] {
  const out = new Array<number>(length).fill(1);
  for (const e of events) {
    const from = Math.max(0, e.start - (e.rampUp ?? 0));
    const to = Math.min(length, e.start + e.duration + (e.rampDown ?? 0));
    for (let t = from; t < to; t++) out[t] *= eventFactor(e, t);
  }
  return out;
}

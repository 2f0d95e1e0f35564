import { getForecaster } from '../../models/registry';
import { baselineForecaster, contractForecaster, type SimForecaster } from '../forecast-adapter';
import type { ForecastBand, PolicyContext, PolicyResult, ScalingPolicy } from '../policy';
import { eventFactor, type LoadEvent } from '../profiles/events';
import { seasonsFor } from '../seasons';
import { ForecastTrack } from './forecast-track';

/** A candidate engine with its own re-anchoring and scale smoothing (defaults: the policy's). */
export interface Candidate {
  forecaster: SimForecaster;
  levelAlpha?: number;
  scaleAlpha?: number;
  /** Refit cadence for this engine as a multiple of the policy's (slow fits refit less often). */
  refitMultiple?: number;
  /** Cap on this engine's history window, in days of steps (fit time grows with it). */
  historyDays?: number;
}

export interface PredictiveOptions {
  /** One engine; overrides `forecasters`. */
  forecaster?: SimForecaster;
  /** Candidate engines with the policy's options; overrides `candidates`. */
  forecasters?: SimForecaster[];
  /**
   * Candidate engines, each followed in parallel; every step the policy uses the one with the lowest
   * recent loss (`selectBy`). Default: `defaultCandidates()`.
   */
  candidates?: Candidate[];
  /** Probability of the upper quantile the fleet is sized for (the "buffer quantile"). */
  quantile?: number;
  /** Multiplicative headroom on top of the quantile (1 = none). */
  buffer?: number;
  /** Refit every N steps; in between, the last forecast is shifted along (no refit). */
  refitEvery?: number;
  /** Most recent steps given to each fit (bounds fit time on long traces). */
  historyWindow?: number;
  /** Re-anchoring: EWMA weight of the newest error (observed − point) added to the forecast. 0 = off. */
  levelAlpha?: number;
  /**
   * `conformal` (default): upper quantile = anchored point + the empirical quantile of the
   * track's own recent standardised errors at that lead time (scale = EWMA of absolute error);
   * the engine's quantiles are used until 50 errors are in. `engine`: the engine's quantiles.
   */
  interval?: 'conformal' | 'engine';
  /** Errors kept per lead time for the conformal quantile. */
  calibrationWindow?: number;
  /** EWMA weight of the newest absolute error in the error scale. */
  scaleAlpha?: number;
  /** Half-life, in steps, of the loss used to pick among candidate engines. */
  selectionHalfLife?: number;
  /** Loss that picks the engine: `mae` of the anchored point (default) or `pinball` of the upper quantile. */
  selectBy?: 'mae' | 'pinball';
  seasons?: number[];
  /**
   * Scheduled events known in advance (a campaign on the marketing calendar), in trace steps.
   * Demand is learned and forecast with their effect divided out, then multiplied back per
   * step, so the fleet is scaled up B steps before the event starts.
   */
  events?: LoadEvent[];
}

/**
 * Kinetic's policy: size the fleet for the upper quantile of demand over the boot-delay window
 * (instances requested now are ready only B steps later, so r_t must cover d_t … d_{t+B}), never
 * below the need observed in the last step. Reads only d_0 … d_{t-1} when deciding step t.
 */
export function predictivePolicy(opts: PredictiveOptions = {}): ScalingPolicy {
  return {
    name: 'predictive',
    async decide(ctx: PolicyContext): Promise<PolicyResult> {
      return runPredictive(ctx, opts);
    },
  };
}

/**
 * Three engines with different strengths; the selection (lowest recent error) picks per stretch:
 * - seasonal naive (models/baseline), re-anchored fast with a fast error scale: traces with a
 *   strong daily shape and day/night noise levels (taxi demand, ASG CPU);
 * - EWMA (models/registry), re-anchored slowly with a slow error scale: noisy traces without much
 *   shape, where every extra bit of reactivity is noise (ELB requests);
 * - Prophet-style Fourier daily/weekly model (models/registry): a smooth daily shape for noisy
 *   per-minute counts (NASA); refit 4× less often on at most a week, as its fit is the slowest.
 */
export function defaultCandidates(): Candidate[] {
  return [
    { forecaster: baselineForecaster, levelAlpha: 0.3, scaleAlpha: 0.05 },
    { forecaster: contractForecaster(getForecaster('ewma')), levelAlpha: 0.1, scaleAlpha: 0.003 },
    { forecaster: contractForecaster(getForecaster('prophet')), levelAlpha: 0.1, scaleAlpha: 0.01, refitMultiple: 4, historyDays: 7 },
  ];
}

async function runPredictive(ctx: PolicyContext, opts: PredictiveOptions): Promise<PolicyResult> {
  const { demand, params } = ctx;
  const { capacity: C, bootSteps: B, warmup: W } = params;
  const n = demand.length;
  const seasons = opts.seasons ?? seasonsFor(ctx.stepSeconds, W);
  const daily = seasons[0] ?? 0;
  const refitEvery = Math.max(1, opts.refitEvery ?? (daily >= 48 ? Math.round(daily / 24) : 12));
  const halfLife = opts.selectionHalfLife ?? Math.max(500, 2 * daily);
  const trackOpts = {
    quantile: opts.quantile ?? 0.95,
    bootSteps: B,
    refitEvery,
    historyWindow: opts.historyWindow ?? Math.max(500, 3 * (seasons[seasons.length - 1] ?? 0)),
    levelAlpha: opts.levelAlpha ?? 0.3,
    scaleAlpha: opts.scaleAlpha ?? 0.05,
    conformal: (opts.interval ?? 'conformal') === 'conformal',
    calibrationWindow: opts.calibrationWindow ?? Math.max(500, daily),
    scoreAlpha: 1 - 2 ** (-1 / halfLife),
    selectBy: opts.selectBy ?? 'mae',
    minScale: 0.01 * typicalDemand(demand, W),
    seasons,
    stepSeconds: ctx.stepSeconds,
  };
  const buffer = opts.buffer ?? 1;
  const started = Date.now();
  const factor = eventFactors(opts.events ?? [], n + B + 1);
  const base = opts.events?.length ? demand.map((d, t) => d / factor[t]) : demand;
  const candidates: Candidate[] = opts.forecaster
    ? [{ forecaster: opts.forecaster }]
    : (opts.forecasters?.map((forecaster) => ({ forecaster })) ?? opts.candidates ?? defaultCandidates());
  const scale0 = initialScale(base, W);
  const tracks = candidates.map((c) => {
    const historyWindow = c.historyDays && daily ? Math.min(trackOpts.historyWindow, Math.max(500, c.historyDays * daily)) : trackOpts.historyWindow;
    const own = {
      ...trackOpts,
      levelAlpha: c.levelAlpha ?? trackOpts.levelAlpha,
      scaleAlpha: c.scaleAlpha ?? trackOpts.scaleAlpha,
      refitEvery: refitEvery * (c.refitMultiple ?? 1),
      historyWindow,
    };
    return new ForecastTrack(c.forecaster, own, n + B + 1, scale0);
  });

  const decisions: number[] = [];
  const band: ForecastBand = { point: [], lower: [], upper: [] };
  const used = new Array<number>(tracks.length).fill(0);
  for (let t = W; t < n; t++) {
    if (t > 0) for (const track of tracks) track.observe(t - 1, base[t - 1]);
    const outs = [];
    for (const track of tracks) outs.push(await track.upper(t, base));
    const chosen = pick(tracks);
    used[chosen]++;
    const { upper, point, lower } = outs[chosen];
    let peak = 0;
    for (let k = 0; k <= B; k++) peak = Math.max(peak, upper[k] * factor[t + k]);
    const floor = Math.max(1, Math.ceil((t > 0 ? demand[t - 1] : 0) / C));
    decisions.push(Math.max(floor, Math.ceil((peak * buffer) / C)));
    band.point.push(point * factor[t]);
    band.upper.push(Math.max(0, upper[0] * factor[t]));
    band.lower.push(lower * factor[t]);
  }
  const usage = tracks.map((tr, i) => `${tr.forecaster.name} ${((100 * used[i]) / Math.max(1, n - W)).toFixed(0)}% (${tr.refits} refits)`).join(', ');
  const note = `engines: ${usage}; refit every ${refitEvery} steps, seasons [${seasons.join(', ')}], q=${trackOpts.quantile}, ${trackOpts.conformal ? 'conformal' : 'engine'} intervals, ${Date.now() - started} ms`;
  return { decisions, band, note };
}

/** The track with the lowest recent loss; the first one until all have a score. */
function pick(tracks: ForecastTrack[]): number {
  if (tracks.length === 1 || !tracks.every((t) => t.hasScore)) return 0;
  let best = 0;
  for (let i = 1; i < tracks.length; i++) if (tracks[i].score < tracks[best].score) best = i;
  return best;
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

/** Mean absolute one-step change over the last stretch of history: a neutral starting scale. */
function initialScale(demand: readonly number[], W: number): number {
  let sum = 0;
  let count = 0;
  for (let t = Math.max(1, W - 500); t < W; t++) {
    sum += Math.abs(demand[t] - demand[t - 1]);
    count++;
  }
  return count ? sum / count : 1;
}

/** Mean demand of the warm-up history (at least 1e-4). */
function typicalDemand(demand: readonly number[], W: number): number {
  let sum = 0;
  for (let t = 0; t < W; t++) sum += Math.abs(demand[t]);
  return Math.max(1e-4, W > 0 ? sum / W : 1);
}

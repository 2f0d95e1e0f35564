import type { ServiceConfig } from '../config/schema';
import type { DecisionContext } from '../decision/context';
import type { DimensionForecast, FingerprintSummary, ForecastSummary } from '../decision/forecast';
import type { LeadBucketWeights } from '../learning/lead-hedge';
import { MetricsInputError, type MetricSeries } from '../metrics/contract';
import { planningWindow } from '../planning/capacity';
import { defaultPlannerOptions } from '../planning/predictive/options';
import type { ReplayJob, ReplayJobResult } from '../planning/predictive/replay-job';
import { createModelStore } from '../store/model-store';
import { createPredictionStore } from '../store/prediction-store';
import { newestWeights } from '../store/weights-store';
import { chooseModels, FittedAtDecisionCache, type ModelChoice } from './decision-models';
import type { ActivityDeps } from './deps';
import { fallbackForecast } from './fallback';
import { fingerprintSummaryFor } from './fingerprint-capacity';
import { runForecastJob } from './forecast-job';
import { learningOf } from './learning-common';
import { readHistory } from './metrics-read';

/** Plans replayed before "now" to calibrate the buffer (the planner's calibration window). */
const REPLAY_STEPS = 2000;
/** The window peak quantiles every record carries (P90 and P99 for tiered plans and explain). */
const SUMMARY_QUANTILES = [0.9, 0.99];

/**
 * The decision's forecast step: the service's recent demand → the predictive planner
 * (planning/predictive) with the champion models retraining promoted and the weights reweighting
 * learned, replayed over the history to calibrate its buffer; the prediction the decision acts on
 * is stored under the decision id, which is what reweighting scores. The fitting and replay run on
 * a compute thread, so a long fit never blocks this worker's workflow tasks or heartbeats.
 */
export function forecastActivities(deps: ActivityDeps) {
  const cache = new FittedAtDecisionCache();
  return {
    /** The predictive forecast; when it fails and the service has `fallback:`, maybe the fallback rule (activities/fallback.ts). */
    async forecastDemand(input: { decisionId: string; context: DecisionContext }): Promise<ForecastSummary> {
      try {
        return await predictive(input);
      } catch (e) {
        // The audit log unreadable too: the metrics error is still the decision's cause, not the log's.
        const fallback = await fallbackForecast(deps, input, e).catch(() => undefined);
        if (fallback) return fallback;
        throw e;
      }
    },
  };

  async function predictive(input: { decisionId: string; context: DecisionContext }): Promise<ForecastSummary> {
    const { context } = input;
    const cfg = deps.config();
    const svc = deps.service(context.service);
    const step = svc.metrics.stepSeconds;
    const now = Date.now();
    const series = await readHistory(deps.metrics(context.service), context.service, svc.metrics, `metrics for "${context.service}"`, now);
    const window = planningWindow(context.leadSeconds, context.intervalSeconds, step);
    const models = plannerModels(svc);
    const modelStore = createModelStore(cfg.modelStore, cfg.stateRoot);
    const weightsVersion = newestWeights(await modelStore.weights(context.service));
    const choices = await chooseModels({
      service: context.service,
      series: 'demand',
      models,
      store: modelStore,
      cache,
      historyStart: series.start,
      stepMs: step * 1000,
      now,
      maxAgeMs: svc.forecast.championMaxAge * 1000,
    });
    const weights = weightsVersion ? pick(weightsVersion.weights, models) : equal(models);
    const byLead = weightsVersion?.byLead?.map((b) => ({ ...b, weights: pick(b.weights, models) }));
    const result = await plan(series, svc, window, choices, weights, byLead);
    remember(cache, context.service, 'demand', series, result);

    const q = result.plan.buffers[0];
    const at = (quantile: number) => result.plan.buffers.find((b) => b.quantile === quantile)!.demand;
    const used = choices.filter((c) => !result.failed[c.job.name]);
    const lastObservedAt = series.start + (series.values.length - 1) * step * 1000;
    const dimensions = await extraForecasts('dimensionMetrics');
    const regions = await extraForecasts('regionMetrics');
    const fingerprints = fingerprintSummaryFor(cfg.stateRoot, context.service, svc, q.demand, now);
    const summary: ForecastSummary = {
      model: describe(svc, result, weightsVersion?.version ?? 0),
      weights: used.map((c) => ({ model: c.job.name, weight: result.plan.weights[c.job.name] ?? 0, reason: weightReason(weightsVersion?.version) })),
      metric: svc.metrics.metric,
      stepSeconds: step,
      historyPoints: series.values.length,
      lastObserved: result.plan.lastObserved,
      fromStep: window.fromStep,
      toStep: window.toStep,
      peakP50: result.plan.peak,
      peakP90: Math.max(result.plan.peak, at(0.9)),
      peakP99: Math.max(result.plan.peak, at(0.99)),
      coldStart: !result.plan.calibrated,
      notes: [...notes(context, result, choices), ...(fingerprints ? [fingerprintNote(fingerprints)] : [])],
      ...(Object.keys(dimensions).length ? { dimensions } : {}),
      ...(Object.keys(regions).length ? { regions } : {}),
      ...(fingerprints ? { fingerprints } : {}),
      planned: {
        quantile: q.quantile,
        demand: q.demand,
        upper: q.upper,
        bound: q.bound,
        rule: q.rule,
        peak: result.plan.peak,
        scale: result.plan.scale,
        capped: q.capped,
        calibratedOn: result.plan.residuals,
        replayed: result.replayed,
      },
      models: used.map((c) => ({ model: c.job.name, version: c.version, source: c.source, ...(c.dataEnd ? { dataEnd: c.dataEnd } : {}), weight: result.plan.weights[c.job.name] ?? 0 })),
      weightsVersion: weightsVersion?.version ?? 0,
      ...(byLead?.length ? { weightsByLead: byLead } : {}),
      dropouts: { missingSteps: result.dropouts, newestMissing: result.plan.dropout },
      predictionId: input.decisionId,
    };
    // What the decision acts on, for reweighting (idempotent by id: a retried activity stores nothing twice).
    await createPredictionStore(cfg.state, cfg.stateRoot).append({
      id: input.decisionId,
      decisionId: input.decisionId,
      service: context.service,
      madeAt: now,
      stepSeconds: step,
      targets: result.plan.point.map((_, j) => lastObservedAt + (j + 1) * step * 1000),
      perModel: result.plan.perModel,
      ensemble: result.plan.point,
      weights: result.plan.weights,
      weightsVersion: weightsVersion?.version ?? 0,
      peakP90: summary.peakP90,
      plannedDemand: q.demand,
      quantile: q.quantile,
      models: Object.fromEntries(used.map((c) => [c.job.name, c.version])),
    });
    return summary;

    /** Other dimensions (cpu, memory) and regional demand: the same planner on their own metrics, models fitted here. */
    async function extraForecasts(kind: 'dimensionMetrics' | 'regionMetrics'): Promise<Record<string, DimensionForecast>> {
      const out: Record<string, DimensionForecast> = {};
      for (const [name, m] of Object.entries(svc[kind] ?? {})) {
        const s = await readHistory(deps.extraMetrics(context.service, kind, name), context.service, m, `${kind}.${name} of "${context.service}"`, now);
        const w = planningWindow(context.leadSeconds, context.intervalSeconds, m.stepSeconds);
        const picks = await chooseModels({ service: context.service, series: `${kind}.${name}`, models, cache, historyStart: s.start, stepMs: m.stepSeconds * 1000, now, maxAgeMs: svc.forecast.championMaxAge * 1000 });
        const r = await plan(s, { ...svc, metrics: m }, w, picks, equal(models));
        remember(cache, context.service, `${kind}.${name}`, s, r);
        const u = (quantile: number) => Math.max(r.plan.peak, r.plan.buffers.find((b) => b.quantile === quantile)!.demand);
        out[name] = { metric: m.metric, historyPoints: s.values.length, model: `planner (${Object.keys(r.descriptions).join(', ')})`, peakP50: r.plan.peak, peakP90: u(0.9), peakP99: u(0.99) };
      }
      return out;
    }
  }
}

/** The planner's models: `forecast.models`, else `learning.models` (what retraining fits). */
export function plannerModels(svc: ServiceConfig): string[] {
  return svc.forecast.models ?? learningOf(svc).models;
}

async function plan(
  series: MetricSeries,
  svc: ServiceConfig,
  window: ReturnType<typeof planningWindow>,
  choices: ModelChoice[],
  weights: Record<string, number>,
  weightsByLead?: LeadBucketWeights[],
): Promise<ReplayJobResult> {
  const quantiles = [svc.forecast.quantile, ...SUMMARY_QUANTILES.filter((x) => x !== svc.forecast.quantile)];
  const options = {
    ...defaultPlannerOptions(series.stepSeconds, { from: window.fromStep + 1, to: window.toStep }, quantiles),
    combine: svc.forecast.mode,
  };
  const job: ReplayJob = {
    history: series.values,
    models: choices.map((c) => c.job),
    weights,
    ...(weightsByLead ? { weightsByLead } : {}),
    options,
    seasons: svc.seasons,
    stepSeconds: series.stepSeconds,
    replaySteps: REPLAY_STEPS,
  };
  try {
    return await runForecastJob(job);
  } catch (e) {
    // Bad input (no usable value, too short): the same error in any thread, by name.
    if ((e as Error).name === 'RangeError') throw new MetricsInputError(`forecast of ${svc.metrics.metric}: ${(e as Error).message}`);
    throw e;
  }
}

/** Keeps what the job fitted at decision time for the next decisions on this worker. */
function remember(cache: FittedAtDecisionCache, service: string, key: string, series: MetricSeries, r: ReplayJobResult): void {
  const end = series.start + (series.values.length - 1) * series.stepSeconds * 1000;
  for (const f of r.fitted) cache.put(`${service}|${key}|${f.name}`, { artifact: f.artifact, start: series.start, end });
}

function pick(weights: Record<string, number>, names: readonly string[]): Record<string, number> {
  const out = Object.fromEntries(names.map((n) => [n, weights[n] ?? 0]));
  return Object.values(out).some((w) => w > 0) ? out : equal(names);
}

function equal(names: readonly string[]): Record<string, number> {
  return Object.fromEntries(names.map((n) => [n, 1 / names.length]));
}

function weightReason(version: number | undefined): string {
  return version ? `learned by reweighting (weights version ${version})` : 'equal: no reweighting has run yet';
}

function describe(svc: ServiceConfig, r: ReplayJobResult, weightsVersion: number): string {
  const top = Object.entries(r.plan.weights)
    .filter(([, w]) => w > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([m, w]) => `${m} ${w.toFixed(2)}`);
  const b = r.plan.buffers[0];
  return `planner: ${svc.forecast.mode} (${top.join(', ')}; weights v${weightsVersion}), P${trim(100 * b.quantile)} window peak by the ${b.rule} rule`;
}

function notes(context: DecisionContext, r: ReplayJobResult, choices: ModelChoice[]): string[] {
  const b = r.plan.buffers[0];
  const out: string[] = [];
  if (context.leadNote) out.push(context.leadNote);
  out.push(
    `planned ${fmt(b.demand)} = ${b.bound === 'observed' ? `the newest observed demand (${fmt(r.plan.lastObserved)}), above the forecast's P${trim(100 * b.quantile)} peak ${fmt(b.upper)}` : `P${trim(100 * b.quantile)} window peak ${fmt(b.upper)} (forecast peak ${fmt(r.plan.peak)} + buffer by the ${b.rule} rule${b.capped ? ', capped at the largest demand of the last week' : ''})`}`,
  );
  if (!r.plan.calibrated) out.push(`buffer not calibrated yet (${r.plan.residuals} realised peaks, 50 needed): a wide normal band`);
  if (r.dropouts > 0) out.push(`${r.dropouts} missing sample(s) in the history (gaps or outage zeros) were treated as missing, not as demand`);
  if (r.plan.dropout) out.push('the newest sample is missing: the plan holds the fleet (no scale-in on missing data)');
  for (const c of choices) if (c.note) out.push(c.note);
  for (const [m, why] of Object.entries(r.failed)) out.push(`${m} left out: ${why}`);
  return out;
}

function fingerprintNote(f: FingerprintSummary): string {
  if (f.status === 'fallback') return `fingerprints not used: ${f.reason}`;
  const clusters = (f.clusters ?? []).map((c) => `${c.cluster} ×${c.instances} cpu ${fmt(c.cpu.p50)}–${fmt(c.cpu.upper)} cores, ${fmt(c.mem.p50)}–${fmt(c.mem.upper)} MiB each (${c.sources.join('/')})`);
  return `fingerprints (model v${f.modelVersion}, ${f.horizonSteps} periods ahead): ${clusters.join('; ')}${f.reason ? `; ${f.reason}` : ''}`;
}

const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(3));
const trim = (x: number) => Number(x.toFixed(1)).toString();

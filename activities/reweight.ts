import type { KineticConfig, LearningConfig, ServiceConfig } from '../config/schema';
import { classifyDecision, type DecisionFacts } from '../learning/decision-outcome';
import { exp3, seedFrom, type OutcomeEvent } from '../learning/exp3';
import { hedge, reweightHedgeOptions } from '../learning/hedge';
import { hedgeByLead, type LeadBucketWeights, type LeadObservation } from '../learning/lead-hedge';
import { createModelStore } from '../store/model-store';
import { CompactionResult, createPredictionStore, PredictionRecord } from '../store/prediction-store';
import { newestWeights, WeightsVersion } from '../store/weights-store';
import type { DecisionRecord } from '../decision/record';
import type { ActivityDeps } from './deps';
import { learningOf, readHistory } from './learning-common';
import type { MetricSeries } from '../metrics/contract';
import { observeForecastAccuracy } from '../observability/decision-metrics';
import { forecastAccuracy, scoredPoints } from '../observability/forecast-accuracy';

export interface ReweightResult {
  service: string;
  outcome: 'updated' | 'no-new-data';
  version?: number;
  weights: Record<string, number>;
  /** The weights per lead bucket decisions combine with (absent: `weights` for every lead). */
  byLead?: LeadBucketWeights[];
  previous: Record<string, number>;
  /** Realised-demand points Hedge learned from. */
  observations: number;
  /** Decision outcomes Exp3 learned from (predictions without realised demand). */
  outcomeRounds?: number;
  meanLoss: Record<string, number>;
  /** What the prediction-store compaction after this run dropped. */
  compaction?: CompactionResult;
  reason: string;
}

/**
 * Compares stored predictions whose targets have passed with realised demand and runs Hedge with
 * the asymmetric loss. A prediction whose realised demand is missing (metrics gap, source
 * retention) but whose decision has a known outcome in the audit ledger feeds Exp3 instead. Stores
 * a new weights version, idempotent by `sourceId`; predictions are consumed in order through the
 * `evaluatedThrough` cursor, so none is counted twice. Ends by compacting the prediction store.
 */
export function reweightActivities(deps: ActivityDeps) {
  return {
    async reweightService(input: { service: string; sourceId: string }): Promise<ReweightResult> {
      const cfg = deps.config();
      const svc = deps.service(input.service);
      const l = learningOf(svc);
      const modelStore = createModelStore(cfg.modelStore, cfg.stateRoot);
      const predictions = createPredictionStore(cfg.state, cfg.stateRoot);
      const compact = async () => {
        const cursor = newestWeights(await modelStore.weights(input.service))?.evaluatedThrough ?? 0;
        return predictions.compact(input.service, { evaluatedThrough: cursor, keepAfter: Date.now() - predictionRetentionMs(cfg, svc, l) });
      };
      const history = await modelStore.weights(input.service);
      const already = history.find((v) => v.source === input.sourceId);
      if (already) return { ...resultOf(input.service, already, history, 'already applied (retry)'), compaction: await compact() };
      const current = newestWeights(history);
      const cursor = current?.evaluatedThrough ?? 0;
      const now = Date.now();
      const step = svc.metrics.stepSeconds * 1000;
      const due = (await predictions.forService(input.service))
        .filter((p) => p.madeAt > cursor && p.targets.length > 0 && p.targets[0] <= now)
        .sort((a, b) => a.madeAt - b.madeAt);
      const previous = current?.weights ?? {};
      if (due.length === 0) {
        return {
          service: input.service,
          outcome: 'no-new-data',
          weights: previous,
          previous,
          observations: 0,
          meanLoss: {},
          compaction: await compact(),
          reason: 'no stored prediction has come due since the last version',
        };
      }
      const earliest = Math.min(...due.map((p) => p.targets[0]));
      const points = Math.ceil((now - earliest) / step) + 2;
      const serviceLedger = await deps.ledger().forService(input.service);
      const window = outcomeWindowMs(svc);
      let series: MetricSeries;
      try {
        series = await readHistory(deps, input.service, points, new Date(now));
      } catch (e) {
        // No realised demand at all: learn from decision outcomes if there are any, else fail and retry later.
        if (outcomeEvents(due, serviceLedger, now, window).length === 0) throw e;
        series = { start: now, stepSeconds: svc.metrics.stepSeconds, values: [], gaps: [] };
      }
      const realised = (t: number) => {
        const i = Math.round((t - series.start) / step);
        return i >= 0 && i < series.values.length ? series.values[i] : NaN;
      };
      const models = [...new Set(due.flatMap((p) => Object.keys(p.perModel)))].sort();
      const observations: LeadObservation[] = [];
      const withoutDemand: PredictionRecord[] = [];
      let under = 0;
      let waste = 0;
      for (const p of due) {
        const obs = observationsOf(p, realised, now, (u, w) => ((under += u), (waste += w)), svc.capacityPerInstance, svc.targetUtilization);
        observations.push(...obs);
        if (!obs.some((o) => Number.isFinite(o.actual))) withoutDemand.push(p);
      }
      const usable = observations.filter((o) => Number.isFinite(o.actual));
      const ledger = serviceLedger.filter((r) => r.finishedAt && Date.parse(r.finishedAt) > cursor);
      const result = hedge(previous, models, usable, reweightHedgeOptions(l));
      // Per lead bucket as well; a bucket new to this record starts from its single vector.
      const byLeadHedge = hedgeByLead(current?.byLead, previous, models, usable, reweightHedgeOptions(l));

      const events = outcomeEvents(withoutDemand, serviceLedger, now, window);
      const exp3Options = {
        exploration: l.exploration,
        underForecastPenalty: l.underForecastPenalty,
        weightFloor: l.weightFloor,
        seed: seedFrom(input.sourceId),
      };
      const bandit = exp3(result.weights, models, events, exp3Options);
      // Outcomes have no lead (they score a plan's peak): every bucket learns from the same ones.
      const byLead = byLeadHedge.map((b) => ({ ...b, weights: exp3(b.weights, models, events, exp3Options).weights }));
      const reasons = [`${result.observations} realised points from ${due.length - withoutDemand.length} predictions`];
      if (withoutDemand.length) reasons.push(`${events.length} decision outcomes (Exp3, γ ${l.exploration}) for ${withoutDemand.length} predictions without realised demand`);
      const version = await modelStore.appendWeights({
        service: input.service,
        weights: bandit.weights,
        byLead,
        source: input.sourceId,
        evaluatedThrough: Math.max(...due.map((p) => p.madeAt)),
        observations: result.observations,
        meanLoss: result.meanLoss,
        outcomes: {
          underProvisionedSteps: under,
          wastefulSteps: waste,
          decisionsCommitted: ledger.filter((r) => r.outcome === 'committed').length,
          decisionsRolledBack: ledger.filter((r) => r.outcome === 'rolled-back' || r.outcome === 'compensation-failed').length,
        },
        outcomeLearning: events.length
          ? {
              rounds: bandit.rounds,
              kinds: countKinds(events),
              played: Object.fromEntries(models.map((m) => [m, bandit.played.filter((x) => x === m).length])),
              meanReward: bandit.meanReward,
            }
          : undefined,
        params: { learningRate: l.learningRate, underForecastPenalty: l.underForecastPenalty, weightFloor: l.weightFloor, exploration: l.exploration },
        reason: `${reasons.join('; ')}; point errors scored symmetrically${withoutDemand.length ? `, under-provisioning outcomes cost ${l.underForecastPenalty}× wasteful ones` : ''}`,
      });
      // Forecast error for /metrics, once per new version (a retried run returned above).
      observeForecastAccuracy(forecastAccuracy(input.service, scoredPoints(due, realised, now), series.values));
      return { ...resultOf(input.service, version, await modelStore.weights(input.service), version.reason), compaction: await compact() };
    },
  };
}

/**
 * Decision outcomes of the predictions that have no realised demand. A prediction is the one its
 * decision acted on (`decisionId`); records of the first control loop, which forecast on its own,
 * are linked to the decision their loop iteration started (same loop id, "iteration N: …" in the
 * trigger note, started after the prediction).
 */
export function outcomeEvents(predictions: readonly PredictionRecord[], ledger: readonly DecisionRecord[], now: number, windowMs: number): OutcomeEvent[] {
  const facts = (r: DecisionRecord): DecisionFacts => ({
    outcome: r.outcome,
    direction: r.plan?.direction,
    verificationOk: r.verification?.ok,
    finishedAt: r.finishedAt ? Date.parse(r.finishedAt) : undefined,
  });
  const all = ledger.map(facts);
  const events: OutcomeEvent[] = [];
  for (const p of predictions) {
    const decision = p.decisionId ? ledger.find((r) => r.id === p.decisionId) : loopDecision(p, ledger);
    if (!decision) continue;
    const kind = classifyDecision(facts(decision), all, now, windowMs);
    if (!kind) continue;
    const predicted: Record<string, number> = {};
    for (const [m, path] of Object.entries(p.perModel)) predicted[m] = peak(path);
    events.push({ kind, acted: peak(p.ensemble), predicted });
  }
  return events;
}

function loopDecision(p: PredictionRecord, ledger: readonly DecisionRecord[]): DecisionRecord | undefined {
  const iteration = p.id.split(':').pop();
  return ledger
    .filter((r) => r.trigger.kind === 'control-loop' && r.trigger.by === p.loopId && r.trigger.note?.startsWith(`iteration ${iteration}:`) && Date.parse(r.startedAt) >= p.madeAt)
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt))[0];
}

/** A scale-out reversed within this window was waste; a scale-in reversed within it left too little. */
function outcomeWindowMs(svc: ServiceConfig): number {
  return 2 * svc.scaleInStabilization * 1000;
}

/**
 * How long evaluated predictions are kept: the configured retention, but never less than what a
 * reweight may still look back on (forecast horizon, approval wait, outcome window, one schedule
 * interval), so compaction can never drop something reweighting still needs.
 */
export function predictionRetentionMs(cfg: Pick<KineticConfig, 'schedules'>, svc: ServiceConfig, l: LearningConfig): number {
  const every = cfg.schedules?.reweight.every ?? 3600;
  const lookback = svc.leadTime + svc.decisionInterval + svc.approval.timeout + 2 * svc.scaleInStabilization + every;
  return Math.max(l.predictionRetention ?? 0, lookback) * 1000;
}

function peak(path: readonly number[]): number {
  const finite = path.filter(Number.isFinite);
  return finite.length ? Math.max(...finite) : NaN;
}

function countKinds(events: readonly OutcomeEvent[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) out[e.kind] = (out[e.kind] ?? 0) + 1;
  return out;
}

/** One observation per forecast step whose time has passed; also counts steps the plan under- or over-provisioned. */
function observationsOf(
  p: PredictionRecord,
  realised: (t: number) => number,
  now: number,
  count: (under: number, waste: number) => void,
  capacityPerInstance: number,
  targetUtilization: number,
): LeadObservation[] {
  const out: LeadObservation[] = [];
  p.targets.forEach((t, j) => {
    if (t > now) return;
    const actual = realised(t);
    const predicted: Record<string, number> = {};
    for (const [m, path] of Object.entries(p.perModel)) predicted[m] = path[j];
    out.push({ actual, predicted, lead: j + 1 });
    if (!Number.isFinite(actual)) return;
    if (p.plannedDemand !== undefined) {
      // The decision provisioned for this demand: above it the plan fell short, below half of it it wasted.
      count(actual > p.plannedDemand ? 1 : 0, actual < 0.5 * p.plannedDemand ? 1 : 0);
    } else if (p.proposal) {
      const capacity = p.proposal.planned * capacityPerInstance;
      count(actual > capacity ? 1 : 0, actual < 0.5 * capacity * targetUtilization ? 1 : 0);
    }
  });
  return out;
}

function resultOf(service: string, v: WeightsVersion, history: WeightsVersion[], reason: string): ReweightResult {
  const prev = history.find((h) => h.version === v.version - 1);
  return {
    service,
    outcome: 'updated',
    version: v.version,
    weights: v.weights,
    ...(v.byLead ? { byLead: v.byLead } : {}),
    previous: prev?.weights ?? {},
    observations: v.observations,
    outcomeRounds: v.outcomeLearning?.rounds ?? 0,
    meanLoss: v.meanLoss,
    reason,
  };
}

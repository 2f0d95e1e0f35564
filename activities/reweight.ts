import { hedge, Observation } from '../learning/hedge';
import { PredictionRecord, PredictionStore } from '../store/prediction-store';
import { WeightsStore, WeightsVersion } from '../store/weights-store';
import type { ActivityDeps } from './deps';
import { learningOf, readHistory } from './learning-common';

export interface ReweightResult {
  service: string;
  outcome: 'updated' | 'no-new-data';
  version?: number;
  weights: Record<string, number>;
  previous: Record<string, number>;
  observations: number;
  meanLoss: Record<string, number>;
  reason: string;
}

/**
 * Compares stored predictions whose targets have passed with realised demand, runs Hedge with
 * the asymmetric loss, and stores a new weights version. Idempotent by `sourceId`; predictions are
 * consumed in order through the `evaluatedThrough` cursor, so none is counted twice.
 */
export function reweightActivities(deps: ActivityDeps) {
  return {
    async reweightService(input: { service: string; sourceId: string }): Promise<ReweightResult> {
      const cfg = deps.config();
      const svc = deps.service(input.service);
      const l = learningOf(svc);
      const weightsStore = new WeightsStore(cfg.stateRoot);
      const already = weightsStore.history(input.service).find((v) => v.source === input.sourceId);
      if (already) return resultOf(input.service, already, weightsStore.history(input.service), 'already applied (retry)');
      const current = weightsStore.current(input.service);
      const cursor = current?.evaluatedThrough ?? 0;
      const now = Date.now();
      const step = svc.metrics.stepSeconds * 1000;
      const due = new PredictionStore(cfg.stateRoot)
        .forService(input.service)
        .filter((p) => p.madeAt > cursor && p.targets.length > 0 && p.targets[0] <= now)
        .sort((a, b) => a.madeAt - b.madeAt);
      const previous = current?.weights ?? {};
      if (due.length === 0) {
        return { service: input.service, outcome: 'no-new-data', weights: previous, previous, observations: 0, meanLoss: {}, reason: 'no stored prediction has come due since the last version' };
      }
      const earliest = Math.min(...due.map((p) => p.targets[0]));
      const points = Math.ceil((now - earliest) / step) + 2;
      const series = await readHistory(deps, input.service, points, new Date(now));
      const realised = (t: number) => {
        const i = Math.round((t - series.start) / step);
        return i >= 0 && i < series.values.length ? series.values[i] : NaN;
      };
      const models = [...new Set(due.flatMap((p) => Object.keys(p.perModel)))].sort();
      const observations: Observation[] = [];
      let under = 0;
      let waste = 0;
      for (const p of due) observations.push(...observationsOf(p, realised, now, (u, w) => ((under += u), (waste += w)), svc.capacityPerInstance, svc.targetUtilization));
      const usable = observations.filter((o) => Number.isFinite(o.actual));
      const ledger = deps.ledger().forService(input.service).filter((r) => r.finishedAt && Date.parse(r.finishedAt) > cursor);
      const result = hedge(previous, models, usable, { learningRate: l.learningRate, underForecastPenalty: l.underForecastPenalty, weightFloor: l.weightFloor });
      const version = weightsStore.append({
        service: input.service,
        weights: result.weights,
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
        params: { learningRate: l.learningRate, underForecastPenalty: l.underForecastPenalty, weightFloor: l.weightFloor },
        reason: `${result.observations} realised points from ${due.length} predictions; under-forecasts cost ${l.underForecastPenalty}× over-forecasts`,
      });
      return resultOf(input.service, version, weightsStore.history(input.service), version.reason);
    },
  };
}

/** One observation per forecast step whose time has passed; also counts steps the plan under- or over-provisioned. */
function observationsOf(
  p: PredictionRecord,
  realised: (t: number) => number,
  now: number,
  count: (under: number, waste: number) => void,
  capacityPerInstance: number,
  targetUtilization: number,
): Observation[] {
  const out: Observation[] = [];
  p.targets.forEach((t, j) => {
    if (t > now) return;
    const actual = realised(t);
    const predicted: Record<string, number> = {};
    for (const [m, path] of Object.entries(p.perModel)) predicted[m] = path[j];
    out.push({ actual, predicted });
    if (p.proposal && Number.isFinite(actual)) {
      const capacity = p.proposal.planned * capacityPerInstance;
      count(actual > capacity ? 1 : 0, actual < 0.5 * capacity * targetUtilization ? 1 : 0);
    }
  });
  return out;
}

function resultOf(service: string, v: WeightsVersion, history: WeightsVersion[], reason: string): ReweightResult {
  const prev = history.find((h) => h.version === v.version - 1);
  return { service, outcome: 'updated', version: v.version, weights: v.weights, previous: prev?.weights ?? {}, observations: v.observations, meanLoss: v.meanLoss, reason };
}

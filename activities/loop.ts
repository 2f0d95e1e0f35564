import { Context } from '@temporalio/activity';
import { combine, equalWeights } from '../learning/hedge';
import { MetricsInputError } from '../metrics/contract';
import { instancesNeeded, planningWindow } from '../planning/capacity';
import { createModelStore } from '../store/model-store';
import { LoopProposal, PredictionStore } from '../store/prediction-store';
import { WeightsStore } from '../store/weights-store';
import type { ActivityDeps } from './deps';
import { forecastPerModel, learningOf, readHistory, usableValues } from './learning-common';

/** What one control-loop iteration saw and would do. */
export interface LoopObservation {
  predictionId: string;
  service: string;
  at: string;
  mode: 'act' | 'forecast-only';
  /** Interval from config (the loop uses it unless overridden by input or signal). */
  configIntervalSeconds: number;
  current: number;
  planned: number;
  peakP90: number;
  lastObserved: number;
  cooldownRemainingSeconds: number;
  proposal: LoopProposal;
  weightsVersion: number;
  models: Record<string, string>;
}

/** The control loop's one side-effecting step: read metrics, forecast with the ensemble, plan, store the prediction. */
export function loopActivities(deps: ActivityDeps) {
  return {
    async observeService(input: { service: string; predictionId: string; loopId: string; mode?: 'act' | 'forecast-only' }): Promise<LoopObservation> {
      const cfg = deps.config();
      const svc = deps.service(input.service);
      const learning = learningOf(svc);
      const mode = input.mode ?? learning.loop.mode;
      const step = svc.metrics.stepSeconds;
      const series = await readHistory(deps, input.service, svc.metrics.historyPoints);
      const values = usableValues(input.service, series);
      if (values.length < 2) throw new MetricsInputError(`metrics for "${input.service}": ${values.length} points; at least 2 are needed to forecast`);
      Context.current().heartbeat('forecasting');

      const window = planningWindow(svc.leadTime, svc.decisionInterval, step);
      const weightsVersion = new WeightsStore(cfg.stateRoot).current(input.service);
      const { forecasts, sources, failed } = await forecastPerModel(values, learning.models, {
        seasons: svc.seasons,
        stepSeconds: step,
        horizon: window.horizon,
        service: input.service,
        store: createModelStore(cfg.modelStore, cfg.stateRoot),
      });
      const names = Object.keys(forecasts);
      if (names.length === 0) throw new MetricsInputError(`no model could forecast "${input.service}": ${JSON.stringify(failed)}`);
      const weights = weightsVersion ? pick(weightsVersion.weights, names) : equalWeights(names);
      const at = (j: number, q: 'point' | 'p90') =>
        combine(Object.fromEntries(names.map((n) => [n, q === 'point' ? forecasts[n].point[j] : forecasts[n].quantiles.p90[j]])), weights);
      const ensemble = Array.from({ length: window.horizon }, (_, j) => at(j, 'point'));
      const p90 = Array.from({ length: window.horizon }, (_, j) => at(j, 'p90'));
      const peakP90 = Math.max(...p90.slice(window.fromStep, window.toStep));

      const current = (await deps.provisioner(input.service).current(input.service)).total;
      const planned = instancesNeeded({
        peakDemand: Math.max(0, peakP90),
        capacityPerInstance: svc.capacityPerInstance,
        targetUtilization: svc.targetUtilization,
        minInstances: svc.minInstances,
        maxInstances: svc.maxInstances,
      }).target;
      const lastCommitted = deps
        .ledger()
        .forService(input.service)
        .filter((r) => r.outcome === 'committed' && r.finishedAt)
        .map((r) => Date.parse(r.finishedAt!))
        .reduce((a, b) => Math.max(a, b), 0);
      const cooldownRemainingSeconds = Math.max(0, Math.ceil((lastCommitted + svc.cooldown * 1000 - Date.now()) / 1000));
      const proposal: LoopProposal =
        planned === current
          ? { mode, current, planned, action: 'hold', reason: `the fleet already has the planned ${planned} instances` }
          : cooldownRemainingSeconds > 0
            ? { mode, current, planned, action: 'cooldown', reason: `${current} → ${planned} waits: cooldown has ${cooldownRemainingSeconds}s left` }
            : {
                mode,
                current,
                planned,
                action: 'scale',
                reason: `P90 peak ${peakP90.toFixed(2)} plans ${planned} instances, the fleet has ${current}${mode === 'forecast-only' ? ' (forecast-only: nothing provisioned)' : ''}`,
              };

      const lastObservedAt = series.start + (series.values.length - 1) * step * 1000;
      new PredictionStore(cfg.stateRoot).append({
        id: input.predictionId,
        service: input.service,
        loopId: input.loopId,
        madeAt: Date.now(),
        stepSeconds: step,
        targets: ensemble.map((_, j) => lastObservedAt + (j + 1) * step * 1000),
        perModel: Object.fromEntries(names.map((n) => [n, forecasts[n].point])),
        ensemble,
        weights,
        weightsVersion: weightsVersion?.version ?? 0,
        peakP90,
        proposal,
      });
      return {
        predictionId: input.predictionId,
        service: input.service,
        at: new Date().toISOString(),
        mode,
        configIntervalSeconds: learning.loop.interval ?? svc.decisionInterval,
        current,
        planned,
        peakP90,
        lastObserved: values[values.length - 1],
        cooldownRemainingSeconds,
        proposal,
        weightsVersion: weightsVersion?.version ?? 0,
        models: sources,
      };
    },
  };
}

function pick(weights: Record<string, number>, names: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of names) out[n] = weights[n] ?? 0;
  return Object.values(out).some((w) => w > 0) ? out : equalWeights(names);
}

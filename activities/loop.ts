import type { LoopProposal } from '../store/prediction-store';
import type { ActivityDeps } from './deps';
import { learningOf } from './learning-common';

/**
 * What one control-loop iteration needs before it triggers a decision: the mode and interval from
 * config and whether the cooldown still runs (so the ledger is not filled with cooldown rejections).
 * The loop does not forecast or plan: the decision does, with the one planner.
 */
export interface LoopObservation {
  service: string;
  at: string;
  mode: 'act' | 'forecast-only';
  /** Interval from config (the loop uses it unless overridden by input or signal). */
  configIntervalSeconds: number;
  /** Fleet size now. */
  current: number;
  cooldownRemainingSeconds: number;
  /** Records of the first loop (before it only triggered decisions) carry its own plan. */
  predictionId?: string;
  planned?: number;
  peakP90?: number;
  lastObserved?: number;
  proposal?: LoopProposal;
  weightsVersion?: number;
  models?: Record<string, string>;
  /** `auth.mode` now ('none': no auth block); absent in observations recorded by older code. */
  authMode?: 'oidc' | 'unverified' | 'none';
}

export function loopActivities(deps: ActivityDeps) {
  return {
    async observeService(input: { service: string; predictionId?: string; loopId: string; mode?: 'act' | 'forecast-only' }): Promise<LoopObservation> {
      const svc = deps.service(input.service);
      const learning = learningOf(svc);
      const current = (await deps.provisioner(input.service).current(input.service)).total;
      const lastCommitted = (await deps.ledger().forService(input.service))
        .filter((r) => r.outcome === 'committed' && r.finishedAt)
        .map((r) => Date.parse(r.finishedAt!))
        .reduce((a, b) => Math.max(a, b), 0);
      return {
        service: input.service,
        at: new Date().toISOString(),
        mode: input.mode ?? learning.loop.mode,
        configIntervalSeconds: learning.loop.interval ?? svc.decisionInterval,
        current,
        cooldownRemainingSeconds: Math.max(0, Math.ceil((lastCommitted + svc.cooldown * 1000 - Date.now()) / 1000)),
        authMode: deps.config().auth?.mode ?? 'none',
      };
    },
  };
}

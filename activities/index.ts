import { authActivities } from './auth';
import { budgetActivities } from './budget';
import { budgetAlertActivities } from './budget-alerts';
import { budgetAuthorityActivities } from './budget-authority';
import { commitAndRecordActivities } from './commit-and-record';
import { contextActivities } from './context';
import { ActivityDeps, createDeps, DepsOptions } from './deps';
import { withFailureMapping } from './failures';
import { withActivityMetrics } from '../observability/activity-metrics';
import { forecastActivities } from './forecast';
import { loopActivities } from './loop';
import { operatorAlertActivities } from './operator-alerts';
import { budgetReportActivities } from './scheduled-budget-report';
import { fingerprintLoopActivities } from './fingerprint-loop';
import { retrainActivities } from './retrain';
import { reweightActivities } from './reweight';
import { planActivities } from './plan';
import { planReviewReserveActivities } from './plan-review-reserve';
import { provisionActivities } from './provision';
import { recordActivities } from './record';

// Kinetic's Prometheus metrics come from the activities' results (worker process, never workflows).
function wrap<T extends Record<string, (...args: never[]) => Promise<unknown>>>(acts: T): T {
  return withActivityMetrics(withFailureMapping(acts));
}

/** The saga's and the budget authorities' activities (the kineticDecisions plugin). */
export function decisionActivities(deps: ActivityDeps) {
  return wrap({
    ...authActivities(deps),
    ...contextActivities(deps),
    ...forecastActivities(deps),
    ...planActivities(),
    ...planReviewReserveActivities(deps),
    ...budgetActivities(deps),
    ...budgetAuthorityActivities(deps),
    ...budgetAlertActivities(deps),
    ...operatorAlertActivities(deps),
    ...provisionActivities(deps),
    ...recordActivities(deps),
    ...commitAndRecordActivities(deps),
  });
}

/** The control loop's, retraining's, reweighting's and the budget report's (the kineticLearning plugin). */
export function learningActivities(deps: ActivityDeps) {
  return wrap({
    ...loopActivities(deps),
    ...retrainActivities(deps),
    ...reweightActivities(deps),
    ...budgetReportActivities(deps),
    ...fingerprintLoopActivities(deps),
  });
}

/** Every activity Kinetic's workflows call, closed over its dependencies (samples' DI-factory style). */
export function createActivities(opts: DepsOptions = {}) {
  const deps = createDeps(opts);
  return { ...decisionActivities(deps), ...learningActivities(deps) };
}

export type DecisionActivities = ReturnType<typeof createActivities>;
export type { DecisionContext } from '../decision/context';

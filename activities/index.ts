import { authActivities } from './auth';
import { budgetActivities } from './budget';
import { budgetAlertActivities } from './budget-alerts';
import { budgetAuthorityActivities } from './budget-authority';
import { contextActivities } from './context';
import { createDeps, DepsOptions } from './deps';
import { withFailureMapping } from './failures';
import { withActivityMetrics } from '../observability/activity-metrics';
import { forecastActivities } from './forecast';
import { loopActivities } from './loop';
import { operatorAlertActivities } from './operator-alerts';
import { budgetReportActivities } from './scheduled-budget-report';
import { retrainActivities } from './retrain';
import { reweightActivities } from './reweight';
import { planActivities } from './plan';
import { provisionActivities } from './provision';
import { recordActivities } from './record';

/** Every activity of the decision saga, closed over its dependencies (samples' DI-factory style). */
export function createActivities(opts: DepsOptions = {}) {
  const deps = createDeps(opts);
  // Kinetic's Prometheus metrics come from the activities' results (worker process, never workflows).
  return withActivityMetrics(withFailureMapping({
    ...authActivities(deps),
    ...contextActivities(deps),
    ...forecastActivities(deps),
    ...planActivities(),
    ...budgetActivities(deps),
    ...budgetAuthorityActivities(deps),
    ...budgetAlertActivities(deps),
    ...operatorAlertActivities(deps),
    ...provisionActivities(deps),
    ...recordActivities(deps),
    ...loopActivities(deps),
    ...retrainActivities(deps),
    ...reweightActivities(deps),
    ...budgetReportActivities(deps),
  }));
}

export type DecisionActivities = ReturnType<typeof createActivities>;
export type { DecisionContext } from '../decision/context';

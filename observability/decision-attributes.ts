/**
 * What a decision's spans and log lines are tagged with: the attribute names, which saga step an
 * activity is, and the decision an activity or workflow input belongs to. Pure and import-free:
 * the workflow bundle uses it (workflows/decision-interceptors.ts, observability/workflow-tracing.ts)
 * as well as the worker.
 */

/** Span attributes (OpenTelemetry) of a decision's spans. */
export const ATTR = {
  service: 'kinetic.service',
  decisionId: 'kinetic.decision_id',
  outcome: 'kinetic.outcome',
  step: 'kinetic.step',
  provisioner: 'kinetic.provisioner',
} as const;

/**
 * The header a decision's workflow puts on every activity it schedules, so the activity (its log
 * lines, its span) knows the decision id even when its input does not carry it (plan, policy).
 */
export const DECISION_HEADER = 'kinetic-decision';

export interface DecisionRef {
  decisionId: string;
  service: string;
}

/** Saga step of each activity the decision runs (kinetic.step); compensation steps are named as such. */
const STEPS: Record<string, string> = {
  loadDecisionContext: 'context',
  forecastDemand: 'forecast',
  planCapacity: 'plan',
  checkPolicy: 'policy',
  reserveBudget: 'budget',
  // Saga change merged-decision-steps: the three steps above as one activity.
  planReviewAndReserve: 'plan',
  previewCapacity: 'preview',
  verifyToken: 'approval',
  currentCapacity: 'recheck',
  recheckBudget: 'recheck',
  applyCapacity: 'provision',
  verifyCapacity: 'verify',
  commitBudget: 'commit',
  rollbackCapacity: 'compensate',
  releaseBudget: 'compensate',
  deliverOperatorAlert: 'needs-operator',
  recordDecision: 'record',
  // Saga change merged-decision-steps: a committed decision's budget commit and record as one activity.
  commitBudgetAndRecord: 'record',
  recordAccessDenied: 'record',
};

/** Activities whose first argument is the finished decision's record. */
export const RECORD_ACTIVITIES: ReadonlySet<string> = new Set(['recordDecision', 'commitBudgetAndRecord']);

/** The saga step an activity type is (its own name when it is not a decision step). */
export function stepOf(activityType: string): string {
  return STEPS[activityType] ?? activityType;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * The decision a workflow's or an activity's first argument names: a DecisionInput
 * ({ decisionId, service }), an activity input with `decisionId` (and `service` or `context.service`),
 * or a DecisionRecord ({ id, service }). Undefined for anything else.
 */
export function decisionOf(arg: unknown): DecisionRef | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const a = arg as { decisionId?: unknown; id?: unknown; service?: unknown; context?: { service?: unknown }; runId?: unknown };
  const service = str(a.service) ?? str(a.context?.service);
  const decisionId = str(a.decisionId) ?? (a.runId !== undefined ? str(a.id) : undefined);
  return decisionId && service ? { decisionId, service } : undefined;
}

/**
 * Workflow interceptors (a `workflowInterceptorModules` entry, in every bundle the worker runs):
 * a decision's workflow log lines carry its `decisionId` and `service`, and every activity it
 * schedules carries them in the `kinetic-decision` header, so the activity's log lines and span
 * know the decision too (observability/activity-decision.ts). No commands, timers or awaits are
 * added: replaying a history recorded without these interceptors gives the same commands.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type {
  ActivityInput,
  GetLogAttributesInput,
  LocalActivityInput,
  Next,
  WorkflowExecuteInput,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptors,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { DECISION_HEADER, decisionOf, type DecisionRef } from '../observability/decision-attributes';

export const interceptors = (): WorkflowInterceptors => {
  let decision: DecisionRef | undefined;
  const inbound: WorkflowInboundCallsInterceptor = {
    execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>) {
      decision = decisionOf(input.args[0]);
      return next(input);
    },
  };
  const withHeader = <T extends { headers: ActivityInput['headers'] }>(input: T): T =>
    decision ? { ...input, headers: { ...input.headers, [DECISION_HEADER]: defaultPayloadConverter.toPayload(decision) } } : input;
  const outbound: WorkflowOutboundCallsInterceptor = {
    scheduleActivity: (input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) => next(withHeader(input)),
    scheduleLocalActivity: (input: LocalActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>) => next(withHeader(input)),
    getLogAttributes: (input: GetLogAttributesInput, next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>) =>
      next(decision ? { ...input, decisionId: decision.decisionId, service: decision.service } : input),
  };
  return { inbound: [inbound], outbound: [outbound] };
};

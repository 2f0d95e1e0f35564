/**
 * Workflow interceptors of a traced worker (a `workflowInterceptorModules` entry, only in the
 * bundle of a worker with tracing on: see observability/tracing.ts). Temporal's OpenTelemetry
 * interceptors make the spans — RunWorkflow for the decision, StartActivity for each step it
 * schedules — and export them through the worker's `exporter` sink; Kinetic's, inside them, tag
 * those spans with the decision: `kinetic.service` and `kinetic.decision_id` on RunWorkflow and
 * each step's StartActivity, `kinetic.step` on the latter, `kinetic.outcome` on RunWorkflow when
 * the decision ends.
 * Only attributes: no commands, so replay is unchanged.
 *
 * The budget authorities (long-lived coordinators, continued as new) are not traced: their spans
 * would outlive any decision and each reservation would start a trace of its own.
 */
import { trace } from '@opentelemetry/api';
import { OpenTelemetryInboundInterceptor, OpenTelemetryInternalsInterceptor, OpenTelemetryOutboundInterceptor } from '@temporalio/interceptors-opentelemetry/lib/workflow';
import {
  workflowInfo,
  type ActivityInput,
  type LocalActivityInput,
  type Next,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { ATTR, decisionOf, stepOf, type DecisionRef } from './decision-attributes';

const UNTRACED_WORKFLOWS = new Set(['budgetAuthority']);

export const interceptors = (): WorkflowInterceptors => {
  if (UNTRACED_WORKFLOWS.has(workflowInfo().workflowType)) return {};
  let decision: DecisionRef | undefined;
  const tag = (extra: Record<string, string> = {}) => {
    const span = trace.getActiveSpan();
    if (!span) return;
    if (decision) span.setAttributes({ [ATTR.service]: decision.service, [ATTR.decisionId]: decision.decisionId });
    span.setAttributes(extra);
  };
  // Inside OpenTelemetry's execute: the active span is RunWorkflow.
  const inbound: WorkflowInboundCallsInterceptor = {
    execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>) {
      decision = decisionOf(input.args[0]);
      tag();
      const span = trace.getActiveSpan();
      return next(input).then((result) => {
        const outcome = (result as { outcome?: unknown } | undefined)?.outcome;
        if (span && decision && typeof outcome === 'string') span.setAttribute(ATTR.outcome, outcome);
        return result;
      });
    },
  };
  // Inside OpenTelemetry's scheduleActivity: the active span is StartActivity:<type>.
  const outbound: WorkflowOutboundCallsInterceptor = {
    scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) {
      tag({ [ATTR.step]: stepOf(input.activityType) });
      return next(input);
    },
    scheduleLocalActivity(input: LocalActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>) {
      tag({ [ATTR.step]: stepOf(input.activityType) });
      return next(input);
    },
  };
  return {
    inbound: [new OpenTelemetryInboundInterceptor(), inbound],
    outbound: [new OpenTelemetryOutboundInterceptor(), outbound],
    internals: [new OpenTelemetryInternalsInterceptor()],
  };
};

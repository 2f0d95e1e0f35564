/**
 * Workflow interceptors of a traced worker (a `workflowInterceptorModules` entry, only in the
 * bundle of a worker with tracing on: see observability/tracing.ts). No OpenTelemetry code runs
 * in the sandbox: the worker builds every span of the run outside it (observability/decision-spans.ts).
 * Here the run only (1) reads the trace context the client started it in (Temporal's
 * `_tracer-data` start header, absent when the starter did not trace), (2) passes it to each
 * activity it schedules in the `kinetic-trace` header, and (3) tells the worker once, through
 * the `kineticDecisionTrace` sink, that it ended and with which outcome. Span ids are derived
 * from the run id and activity ids, so the worker can place each step under the run.
 *
 * Only headers and a sink call: no commands, so replay is unchanged, and sinks are not called on replay.
 * The budget authorities (long-lived coordinators, continued as new) are not traced: their spans
 * would outlive any decision and each reservation would start a trace of its own.
 */
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import {
  ContinueAsNew,
  proxySinks,
  workflowInfo,
  type ActivityInput,
  type LocalActivityInput,
  type Next,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { decisionOf } from './decision-attributes';
import { DECISION_TRACE_SINK, TEMPORAL_TRACE_HEADER, TRACE_CARRIER_HEADER, type DecisionTraceSinks, type RunEnded, type TraceCarrier } from './decision-trace';

const UNTRACED_WORKFLOWS = new Set(['budgetAuthority']);

function carrierOf(header: Payload | undefined): TraceCarrier {
  if (!header) return {};
  try {
    const c = defaultPayloadConverter.fromPayload(header);
    return c && typeof c === 'object' ? (c as TraceCarrier) : {};
  } catch {
    return {};
  }
}

export const interceptors = (): WorkflowInterceptors => {
  if (UNTRACED_WORKFLOWS.has(workflowInfo().workflowType)) return {};
  const sink = proxySinks<DecisionTraceSinks>()[DECISION_TRACE_SINK];
  let header: Payload | undefined;
  const inbound: WorkflowInboundCallsInterceptor = {
    execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>) {
      const carrier = carrierOf(input.headers[TEMPORAL_TRACE_HEADER]);
      header = defaultPayloadConverter.toPayload(carrier);
      const decision = decisionOf(input.args[0]);
      const ended = (end: Omit<RunEnded, 'carrier' | 'decision'>) => sink.runEnded({ carrier, ...(decision ? { decision } : {}), ...end });
      return next(input).then(
        (result) => {
          const outcome = (result as { outcome?: unknown } | undefined)?.outcome;
          ended(typeof outcome === 'string' ? { outcome } : {});
          return result;
        },
        (err: unknown) => {
          ended(err instanceof ContinueAsNew ? {} : { error: String((err as Error | undefined)?.message ?? err) });
          throw err;
        },
      );
    },
  };
  const withCarrier = <T extends { headers: ActivityInput['headers'] }>(input: T): T => (header ? { ...input, headers: { ...input.headers, [TRACE_CARRIER_HEADER]: header } } : input);
  const outbound: WorkflowOutboundCallsInterceptor = {
    scheduleActivity: (input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) => next(withCarrier(input)),
    scheduleLocalActivity: (input: LocalActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>) => next(withCarrier(input)),
  };
  return { inbound: [inbound], outbound: [outbound] };
};

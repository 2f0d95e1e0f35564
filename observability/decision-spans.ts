/**
 * The spans of a traced workflow run, built by the worker outside the workflow sandbox (the
 * sandbox side is observability/workflow-tracing.ts): per activity attempt a RunActivity span,
 * under the step's StartActivity span (from scheduling to the last attempt's end), under the
 * run's RunWorkflow span (emitted once, when the run ends, from the `kineticDecisionTrace` sink).
 * The three are placed without any state shared between them: ids are derived from what each
 * side knows — the trace id is the starter's (the client's StartWorkflow context) or, for a run
 * started untraced, derived from the decision id (else the run id); RunWorkflow's span id from
 * the run id; a step's StartActivity span id from the run id and activity id.
 */
import { createHash } from 'node:crypto';
import {
  defaultTextMapGetter,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type HrTime,
  type SpanStatus,
} from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { CompleteAsyncError, type Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure, defaultPayloadConverter } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, InjectedSinks, Next } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import { ATTR, DECISION_HEADER, decisionOf, stepOf, type DecisionRef } from './decision-attributes';
import { inAnchoredSpan } from './span-clock';
import { DECISION_TRACE_SINK, TRACE_CARRIER_HEADER, type DecisionTraceSinks, type RunEnded, type TraceCarrier } from './decision-trace';

const hex = (seed: string, chars: number) => createHash('sha256').update(seed).digest('hex').slice(0, chars);

export interface RunTrace {
  traceId: string;
  traceFlags: number;
  /** RunWorkflow's parent: the starter's span (StartWorkflow), if it traced. */
  parentSpanId?: string;
  runSpanId: string;
}

/** Where a run's spans go: the starter's trace, else one derived from the decision (else the run). */
export function runTrace(carrier: TraceCarrier, runId: string, decisionId?: string): RunTrace {
  const parent = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter));
  const runSpanId = hex(`kinetic-run:${runId}`, 16);
  if (parent && trace.isSpanContextValid(parent)) return { traceId: parent.traceId, traceFlags: parent.traceFlags, parentSpanId: parent.spanId, runSpanId };
  return { traceId: hex(`kinetic-decision:${decisionId ?? runId}`, 32), traceFlags: TraceFlags.SAMPLED, runSpanId };
}

/** The span id of a step's StartActivity (the parent of each of its attempts' RunActivity). */
export function stepSpanId(runId: string, activityId: string): string {
  return hex(`kinetic-step:${runId}:${activityId}`, 16);
}

const hrTime = (ms: number): HrTime => [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];

interface FinishedSpan {
  name: string;
  traceId: string;
  spanId: string;
  traceFlags: number;
  parentSpanId?: string;
  startMs: number;
  endMs: number;
  attributes: Attributes;
  status: SpanStatus;
}

/** A finished span as the span processor takes it (what the SDK's own spans are once ended). */
function readable(s: FinishedSpan, resource: Resource): ReadableSpan {
  const endMs = Math.max(s.endMs, s.startMs);
  const ctx = { traceId: s.traceId, spanId: s.spanId, traceFlags: s.traceFlags };
  return {
    name: s.name,
    kind: SpanKind.INTERNAL,
    spanContext: () => ctx,
    ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
    startTime: hrTime(s.startMs),
    endTime: hrTime(endMs),
    duration: hrTime(endMs - s.startMs),
    status: s.status,
    attributes: s.attributes,
    links: [],
    events: [],
    ended: true,
    resource,
    instrumentationLibrary: { name: 'kinetic' },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

const decisionAttrs = (d: DecisionRef | undefined): Attributes => (d ? { [ATTR.service]: d.service, [ATTR.decisionId]: d.decisionId } : {});
const errorStatus = (err: unknown): SpanStatus => ({ code: SpanStatusCode.ERROR, message: String((err as Error | undefined)?.message ?? err) });

/** No attempt follows this one: it succeeded, was cancelled, failed for good, or used the last attempt. */
function lastAttempt(err: unknown, info: Context['info']): boolean {
  if (err === undefined) return true;
  if (err instanceof CompleteAsyncError) return false;
  if (err instanceof CancelledFailure) return true;
  if (err instanceof ApplicationFailure && err.nonRetryable) return true;
  const policy = info.retryPolicy;
  if (policy?.maximumAttempts && info.attempt >= policy.maximumAttempts) return true;
  const type = err instanceof ApplicationFailure ? err.type : (err as Error | undefined)?.name;
  return !!type && (policy?.nonRetryableErrorTypes ?? []).includes(type);
}

function payloadOf<T>(input: ActivityExecuteInput, header: string): T | undefined {
  const p = input.headers?.[header];
  if (!p) return undefined;
  try {
    return defaultPayloadConverter.fromPayload(p) as T;
  } catch {
    return undefined;
  }
}

/**
 * The inbound activity interceptor of a traced worker for activities of a traced run (those with
 * the `kinetic-trace` header): RunActivity active around the attempt (so the provisioner's spans
 * and the log lines' trace ids hang under it), then, after the last attempt, the step's
 * StartActivity.
 */
export function runActivitySpans(ctx: Context, processor: SpanProcessor, resource: Resource): NonNullable<ActivityInboundCallsInterceptor['execute']> {
  const tracer = trace.getTracer('kinetic');
  return async (input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>) => {
    const carrier = payloadOf<TraceCarrier>(input, TRACE_CARRIER_HEADER) ?? {};
    const { info } = ctx;
    // Only called for activities of a workflow (tracing.ts checks info.inWorkflow).
    const { workflowId, runId } = info.workflowExecution ?? { workflowId: '', runId: '' };
    const decision = decisionOf(payloadOf(input, DECISION_HEADER)) ?? decisionOf(input.args[0]);
    const run = runTrace(carrier, runId, decision?.decisionId);
    const stepId = stepSpanId(runId, info.activityId);
    const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: run.traceId, spanId: stepId, traceFlags: run.traceFlags, isRemote: true });
    const ids = { temporalActivityId: info.activityId, temporalWorkflowId: workflowId, run_id: runId };
    let failure: unknown;
    try {
      // The provisioner's spans inside the attempt share this span's clock (span-clock.ts).
      return await inAnchoredSpan(tracer, `RunActivity:${info.activityType}`, ids, parent, async (span, clock) => {
        try {
          const result = await next(input);
          span.setStatus({ code: SpanStatusCode.OK });
          return result;
        } catch (err) {
          if (!(err instanceof CompleteAsyncError)) {
            span.setStatus(errorStatus(err));
            if (err instanceof Error) span.recordException(err, clock.now());
          }
          throw err;
        }
      });
    } catch (err) {
      failure = err ?? new Error('activity failed');
      throw err;
    } finally {
      if (run.traceFlags & TraceFlags.SAMPLED && lastAttempt(failure, info)) {
        const step = readable(
          {
            name: `StartActivity:${info.activityType}`,
            traceId: run.traceId,
            spanId: stepId,
            traceFlags: run.traceFlags,
            parentSpanId: run.runSpanId,
            startMs: info.scheduledTimestampMs,
            endMs: Date.now(),
            attributes: { ...ids, ...decisionAttrs(decision), [ATTR.step]: stepOf(info.activityType) },
            status: failure === undefined ? { code: SpanStatusCode.OK } : errorStatus(failure),
          },
          resource,
        );
        processor.onEnd(step);
      }
    }
  };
}

/** The sink of a traced worker: a run's RunWorkflow span, from its start to now (it just ended). */
export function runEndedSink(processor: SpanProcessor, resource: Resource): InjectedSinks<DecisionTraceSinks> {
  return {
    [DECISION_TRACE_SINK]: {
      runEnded: {
        fn: (info: WorkflowInfo, end: RunEnded) => {
          const run = runTrace(end.carrier ?? {}, info.runId, end.decision?.decisionId);
          if (!(run.traceFlags & TraceFlags.SAMPLED)) return;
          const span = readable(
            {
              name: `RunWorkflow:${info.workflowType}`,
              traceId: run.traceId,
              spanId: run.runSpanId,
              traceFlags: run.traceFlags,
              ...(run.parentSpanId ? { parentSpanId: run.parentSpanId } : {}),
              startMs: info.runStartTime.getTime(),
              endMs: Date.now(),
              attributes: {
                temporalWorkflowId: info.workflowId,
                run_id: info.runId,
                workflowType: info.workflowType,
                taskQueue: info.taskQueue,
                namespace: info.namespace,
                ...decisionAttrs(end.decision),
                ...(end.outcome !== undefined ? { [ATTR.outcome]: end.outcome } : {}),
              },
              status: end.error !== undefined ? { code: SpanStatusCode.ERROR, message: end.error } : { code: SpanStatusCode.OK },
            },
            resource,
          );
          processor.onEnd(span);
        },
      },
    },
  };
}

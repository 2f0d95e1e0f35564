import { context, propagation, trace, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { WorkflowInfo } from '@temporalio/workflow';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DECISION_HEADER } from '../../observability/decision-attributes';
import { runActivitySpans, runEndedSink } from '../../observability/decision-spans';
import { DECISION_TRACE_SINK, TRACE_CARRIER_HEADER } from '../../observability/decision-trace';

/**
 * The spans a traced worker builds outside the workflow sandbox, with the real OpenTelemetry SDK
 * (spans collected in memory) and the activity Context of Temporal's test environment: the
 * RunActivity of each attempt under one StartActivity (sent after the last attempt only) under
 * the run's RunWorkflow, in the starter's trace or in one of the decision's own.
 */
const exporter = new InMemorySpanExporter();
const resource = new Resource({ 'service.name': 'kinetic-worker-test' });
const processor = new SimpleSpanProcessor(exporter);
const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });

beforeAll(() => {
  provider.register({ contextManager: new AsyncLocalStorageContextManager().enable(), propagator: new W3CTraceContextPropagator() });
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});
beforeEach(() => exporter.reset());

// The starter's trace (a traced `kinetic decide`): its StartWorkflow span is RunWorkflow's parent.
const CLIENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';
const RUN_ID = '0193a9a0-1c2d-7e3f-8a9b-0c1d2e3f4a5b';
const decision = { decisionId: 'web-20261127T190000Z-1', service: 'web' };
const SCHEDULED = Date.parse('2026-11-27T19:00:00Z');

function headers(carrier: Record<string, string>) {
  return { [TRACE_CARRIER_HEADER]: defaultPayloadConverter.toPayload(carrier), [DECISION_HEADER]: defaultPayloadConverter.toPayload(decision) };
}

/** One attempt of `applyCapacity` of the run, through the interceptor with the attempt's activity Context. */
async function attempt(n: number, carrier: Record<string, string>, fn: () => Promise<string>, maximumAttempts = 3): Promise<string> {
  const env = new MockActivityEnvironment({
    activityType: 'applyCapacity',
    activityId: '7',
    attempt: n,
    scheduledTimestampMs: SCHEDULED,
    workflowExecution: { workflowId: 'scale-web', runId: RUN_ID },
    workflowType: 'scalingDecision',
    retryPolicy: { maximumAttempts, nonRetryableErrorTypes: ['ConfigError'] },
  });
  const execute = runActivitySpans(env.context, processor, resource);
  return (await execute({ args: [], headers: headers(carrier) }, fn)) as string;
}

function runEnded(carrier: Record<string, string>, outcome: string) {
  const info = { workflowId: 'scale-web', runId: RUN_ID, workflowType: 'scalingDecision', taskQueue: 'q', namespace: 'default', runStartTime: new Date(SCHEDULED - 5000) } as WorkflowInfo;
  runEndedSink(processor, resource)[DECISION_TRACE_SINK].runEnded.fn(info, { carrier, decision, outcome });
}

const named = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);
const only = (name: string): ReadableSpan => {
  const spans = named(name);
  expect(spans, name).toHaveLength(1);
  return spans[0];
};
const ms = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;

describe("a traced run's spans, built outside the workflow sandbox", () => {
  it("a retried step: each attempt's RunActivity under one StartActivity (sent after the last attempt), under RunWorkflow in the starter's trace", async () => {
    const carrier = { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01` };
    await expect(attempt(1, carrier, () => Promise.reject(new Error('pulumi: connection reset')))).rejects.toThrow('connection reset');
    // Another attempt follows: no StartActivity yet.
    expect(named('RunActivity:applyCapacity')).toHaveLength(1);
    expect(named('StartActivity:applyCapacity')).toHaveLength(0);
    await attempt(2, carrier, async () => {
      // The provisioner's own span, inside the attempt.
      trace.getTracer('test').startActiveSpan('provision.apply', (s) => s.end());
      return 'applied';
    });
    runEnded(carrier, 'committed');

    const run = only('RunWorkflow:scalingDecision');
    const step = only('StartActivity:applyCapacity');
    const attempts = named('RunActivity:applyCapacity');
    expect(attempts).toHaveLength(2);
    const all = exporter.getFinishedSpans();
    expect(new Set(all.map((s) => s.spanContext().traceId))).toEqual(new Set([CLIENT_TRACE]));
    expect(run.parentSpanId).toBe(CLIENT_SPAN);
    expect(step.parentSpanId).toBe(run.spanContext().spanId);
    for (const a of attempts) expect(a.parentSpanId).toBe(step.spanContext().spanId);
    expect(only('provision.apply').parentSpanId).toBe(attempts[1].spanContext().spanId);
    expect(attempts.map((a) => a.status.code)).toEqual([SpanStatusCode.ERROR, SpanStatusCode.OK]);
    // Every span id is distinct (derived ids do not collide with the SDK's random ones).
    expect(new Set(all.map((s) => s.spanContext().spanId)).size).toBe(all.length);

    expect(run.attributes).toMatchObject({ 'kinetic.service': 'web', 'kinetic.decision_id': decision.decisionId, 'kinetic.outcome': 'committed', temporalWorkflowId: 'scale-web', run_id: RUN_ID });
    expect(step.attributes).toMatchObject({ 'kinetic.step': 'provision', 'kinetic.service': 'web', 'kinetic.decision_id': decision.decisionId, temporalActivityId: '7' });
    expect(ms(step.startTime)).toBe(SCHEDULED);
    expect(ms(step.endTime)).toBeGreaterThanOrEqual(ms(attempts[1].endTime) - 1);
    expect(ms(run.startTime)).toBe(SCHEDULED - 5000);
    expect(step.status.code).toBe(SpanStatusCode.OK);
  });

  it('a step that fails for good (non-retryable, or out of attempts) still gets its StartActivity, marked as an error', async () => {
    const carrier = {};
    await expect(attempt(1, carrier, () => Promise.reject(ApplicationFailure.nonRetryable('apply failed after a partial change')))).rejects.toThrow('partial');
    expect(only('StartActivity:applyCapacity').status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'apply failed after a partial change' });
    exporter.reset();
    await expect(attempt(3, carrier, () => Promise.reject(new Error('still down')))).rejects.toThrow('still down');
    expect(only('StartActivity:applyCapacity').status.code).toBe(SpanStatusCode.ERROR);
    exporter.reset();
    const configError = Object.assign(new Error('bad target'), { name: 'ConfigError' });
    await expect(attempt(1, carrier, () => Promise.reject(configError))).rejects.toThrow('bad target');
    expect(named('StartActivity:applyCapacity')).toHaveLength(1);
  });

  it('a decision started untraced: one trace of its own, rooted at RunWorkflow, the same for every step and the run', async () => {
    await attempt(1, {}, async () => 'ok');
    runEnded({}, 'rolled-back');
    const run = only('RunWorkflow:scalingDecision');
    expect(run.parentSpanId).toBeUndefined();
    const traceId = run.spanContext().traceId;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceId).not.toBe('0'.repeat(32));
    expect(exporter.getFinishedSpans().every((s) => s.spanContext().traceId === traceId)).toBe(true);
    expect(only('StartActivity:applyCapacity').parentSpanId).toBe(run.spanContext().spanId);
    expect(run.attributes['kinetic.outcome']).toBe('rolled-back');
  });

  it('a starter that did not sample the decision: no spans, not even the provisioner’s', async () => {
    const carrier = { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-00` };
    await attempt(1, carrier, async () => {
      trace.getTracer('test').startActiveSpan('provision.apply', (s) => s.end());
      return 'ok';
    });
    runEnded(carrier, 'committed');
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});

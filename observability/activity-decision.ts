/**
 * The activity side of workflows/decision-interceptors.ts: an activity of a decision reads the
 * `kinetic-decision` header (or, from a workflow bundled without that interceptor, its own input)
 * and then its log lines carry `decisionId` and `service`, and its span (RunActivity, when
 * tracing is on) carries `kinetic.service`, `kinetic.decision_id`, `kinetic.step` — and
 * `kinetic.outcome` on the step that records the decision. Each finished step of a decision is
 * logged at INFO (`decision step done`, `decision recorded` with the outcome).
 */
import { trace } from '@opentelemetry/api';
import type { Context } from '@temporalio/activity';
import { defaultPayloadConverter } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, ActivityInterceptors, GetLogAttributesInput, Next } from '@temporalio/worker';
import { ATTR, DECISION_HEADER, decisionOf, RECORD_ACTIVITIES, stepOf, type DecisionRef } from './decision-attributes';

function fromHeader(input: ActivityExecuteInput): DecisionRef | undefined {
  const payload = input.headers?.[DECISION_HEADER];
  if (!payload) return undefined;
  try {
    return decisionOf(defaultPayloadConverter.fromPayload(payload));
  } catch {
    return undefined;
  }
}

/** An `interceptors.activity` factory; put it after OpenTelemetry's so the active span is RunActivity. */
export function decisionActivityInterceptor(ctx: Context): ActivityInterceptors {
  let decision: DecisionRef | undefined;
  return {
    inbound: {
      async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>) {
        decision = fromHeader(input) ?? decisionOf(input.args[0]);
        const span = trace.getActiveSpan();
        if (span?.isRecording()) {
          span.setAttribute(ATTR.step, stepOf(ctx.info.activityType));
          if (decision) span.setAttributes({ [ATTR.service]: decision.service, [ATTR.decisionId]: decision.decisionId });
          const outcome = RECORD_ACTIVITIES.has(ctx.info.activityType) ? (input.args[0] as { outcome?: unknown } | undefined)?.outcome : undefined;
          if (typeof outcome === 'string') span.setAttribute(ATTR.outcome, outcome);
        }
        if (!decision) return next(input);
        // One INFO line a step of a decision (the SDK logs activity completions at DEBUG only).
        const started = Date.now();
        const result = await next(input);
        const record = RECORD_ACTIVITIES.has(ctx.info.activityType) ? (input.args[0] as { outcome?: string; reason?: string }) : undefined;
        if (record?.outcome) ctx.log.info('decision recorded', { outcome: record.outcome, reason: record.reason, durationMs: Date.now() - started });
        else ctx.log.info('decision step done', { step: stepOf(ctx.info.activityType), durationMs: Date.now() - started });
        return result;
      },
    },
    outbound: {
      getLogAttributes(input: GetLogAttributesInput, next) {
        return next(decision ? { ...input, decisionId: decision.decisionId, service: decision.service } : input);
      },
    },
  };
}

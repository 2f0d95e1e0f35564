/**
 * Kinetic's own spans (the provisioner's work inside an activity, the client's StartDecision),
 * through the OpenTelemetry API only: without tracing started (observability/tracing.ts) no
 * provider is registered and these are no-ops.
 */
import { SpanStatusCode, context, trace, type Attributes, type Span } from '@opentelemetry/api';
import { redact } from '../security/redact';
import { inAnchoredSpan } from './span-clock';

/** Runs `fn` in a span `name` (a child of the active span, on its chain's clock); an error marks the span, redacted, and is rethrown. */
export function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return inAnchoredSpan(trace.getTracer('kinetic'), name, attributes, context.active(), async (span, clock) => {
    try {
      return await fn(span);
    } catch (e) {
      const err = e as { name?: string; message?: string; stack?: string };
      const message = redact(String(err?.message ?? e));
      span.recordException({ name: err?.name ?? 'Error', message, ...(err?.stack ? { stack: redact(err.stack) } : {}) }, clock.now());
      span.setStatus({ code: SpanStatusCode.ERROR, message });
      throw e;
    }
  });
}

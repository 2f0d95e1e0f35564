/**
 * Kinetic's own spans (the provisioner's work inside an activity, the client's StartDecision),
 * through the OpenTelemetry API only: without tracing started (observability/tracing.ts) no
 * provider is registered and these are no-ops.
 */
import { SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { redact } from '../security/redact';

/** Runs `fn` in a span `name` (a child of the active span); an error marks the span, redacted, and is rethrown. */
export function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return trace.getTracer('kinetic').startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (e) {
      const err = e as { name?: string; message?: string; stack?: string };
      const message = redact(String(err?.message ?? e));
      span.recordException({ name: err?.name ?? 'Error', message, ...(err?.stack ? { stack: redact(err.stack) } : {}) });
      span.setStatus({ code: SpanStatusCode.ERROR, message });
      throw e;
    } finally {
      span.end();
    }
  });
}

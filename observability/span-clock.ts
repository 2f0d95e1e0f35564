/**
 * One clock for each chain of Kinetic's spans in a process.
 *
 * OpenTelemetry JS starts every span at its own `Date.now()` (whole milliseconds, wall clock) and
 * ends it by the monotonic clock, so a child can appear to end after its parent: by up to 1 ms of
 * truncation, plus any wall-clock step (an NTP or hypervisor correction) between their starts —
 * CI saw a `pulumi.up` end 3.9 ms after its `provision.apply`. Spans started here take both ends
 * from one anchor, read on both clocks when the chain's outermost such span starts (wall time
 * then, plus monotonic time since), so child ⊂ parent in the trace whenever it holds in real time.
 */
import { createContextKey, type Attributes, type Context, type HrTime, type Span, type Tracer } from '@opentelemetry/api';
import { performance } from 'node:perf_hooks';

const ANCHOR = createContextKey('kinetic.span-clock');

interface Anchor {
  readonly wallMs: number;
  readonly mono: number;
}

/** The chain's clock: epoch time as the anchor sees it. */
export interface SpanClock {
  now(): HrTime;
}

function hrTimeOf(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.min(999_999_999, Math.round((ms - seconds * 1000) * 1e6))];
}

/**
 * Runs `fn` in an active span `name` under `parent` and ends the span when `fn` settles. The span
 * (and every span started here inside `fn`) reads the anchor of the outermost one; events the
 * caller records should carry `clock.now()`.
 */
export function inAnchoredSpan<T>(
  tracer: Tracer,
  name: string,
  attributes: Attributes,
  parent: Context,
  fn: (span: Span, clock: SpanClock) => Promise<T>,
): Promise<T> {
  const anchor = (parent.getValue(ANCHOR) as Anchor | undefined) ?? { wallMs: Date.now(), mono: performance.now() };
  const clock: SpanClock = { now: () => hrTimeOf(anchor.wallMs + (performance.now() - anchor.mono)) };
  return tracer.startActiveSpan(name, { attributes, startTime: clock.now() }, parent.setValue(ANCHOR, anchor), async (span) => {
    try {
      return await fn(span, clock);
    } finally {
      span.end(clock.now());
    }
  });
}

import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { withSpan } from '../../observability/spans';

/**
 * Kinetic's nested spans with the real OpenTelemetry SDK while the wall clock steps forward
 * between a parent's start and its child's (an NTP correction): the child stays inside its parent.
 */
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => {
  provider.register({ contextManager: new AsyncLocalStorageContextManager().enable() });
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});
beforeEach(() => exporter.reset());
afterEach(() => vi.restoreAllMocks());

const STEP_MS = 40;
const ms = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;
const span = (name: string): ReadableSpan => exporter.getFinishedSpans().find((s) => s.name === name)!;
const pause = (n: number) => new Promise((r) => setTimeout(r, n));

/** Steps the wall clock STEP_MS forward from now on; the monotonic clock is untouched. */
function stepWallClock(): void {
  const real = Date.now.bind(Date);
  vi.spyOn(Date, 'now').mockImplementation(() => real() + STEP_MS);
}

describe('span clock', () => {
  it('a plain OpenTelemetry child started after the step ends after its parent (why the anchor exists)', async () => {
    const tracer = trace.getTracer('plain');
    await tracer.startActiveSpan('parent', async (parent) => {
      await pause(5);
      stepWallClock();
      tracer.startActiveSpan('child', (child) => child.end());
      parent.end();
    });
    expect(ms(span('child').endTime)).toBeGreaterThan(ms(span('parent').endTime));
  });

  it("Kinetic's child and grandchild stay inside their parent across the step, with their real durations", async () => {
    await withSpan('provision.apply', {}, async () => {
      await pause(5);
      stepWallClock();
      await withSpan('pulumi.up', {}, async () => {
        await withSpan('inner', {}, () => pause(10));
      });
      await pause(5);
    });
    const [apply, up, inner] = ['provision.apply', 'pulumi.up', 'inner'].map(span);
    for (const [outer, child] of [[apply, up], [up, inner]] as const) {
      expect(child.parentSpanId).toBe(outer.spanContext().spanId);
      expect(ms(child.startTime)).toBeGreaterThanOrEqual(ms(outer.startTime));
      expect(ms(child.endTime)).toBeLessThanOrEqual(ms(outer.endTime));
    }
    expect(ms(inner.duration)).toBeGreaterThanOrEqual(9);
    expect(ms(apply.duration)).toBeGreaterThanOrEqual(19);
    expect(ms(apply.duration)).toBeLessThan(STEP_MS);
  });

  it('a failure is recorded at a time inside the span, and a new chain reads the wall clock again', async () => {
    await expect(
      withSpan('provision.verify', {}, async () => {
        await pause(2);
        stepWallClock();
        throw new Error('unhealthy');
      }),
    ).rejects.toThrow('unhealthy');
    const verify = span('provision.verify');
    const event = verify.events.find((e) => e.name === 'exception')!;
    expect(ms(event.time)).toBeGreaterThanOrEqual(ms(verify.startTime));
    expect(ms(event.time)).toBeLessThanOrEqual(ms(verify.endTime));
    const before = Date.now();
    await withSpan('StartDecision', {}, async () => undefined);
    expect(ms(span('StartDecision').startTime)).toBeGreaterThanOrEqual(before);
  });
});

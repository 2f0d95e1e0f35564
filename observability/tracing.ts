/**
 * OpenTelemetry traces of decisions (issue 15), optional: on when kinetic.yaml has
 * `observability.tracing.endpoint` or the environment has OTEL_EXPORTER_OTLP_ENDPOINT (or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT); off otherwise, and then no provider is registered (the
 * OpenTelemetry API calls are no-ops), the SDK and exporter are not even loaded, and the workflow
 * bundle has no tracing interceptors. Spans go over OTLP/HTTP (JSON) to any OpenTelemetry
 * receiver: a Collector, Jaeger, Tempo.
 *
 * Temporal's client interceptor makes the client's StartWorkflow span; a decision's RunWorkflow,
 * StartActivity and RunActivity spans are built by the worker outside the workflow sandbox
 * (observability/decision-spans.ts, fed by observability/workflow-tracing.ts in the bundle): no
 * OpenTelemetry code runs in the sandbox, where Temporal's workflow interceptors cost a traced
 * worker about a sixth more CPU per decision. Kinetic adds its attributes and, inside the
 * provisioning activities, the provisioner's own spans (observability/spans.ts).
 */
import { join } from 'node:path';
import { context, propagation, trace } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import { runActivitySpans, runEndedSink } from './decision-spans';
import { TRACE_CARRIER_HEADER, type DecisionTraceSinks } from './decision-trace';

/** The workflow interceptor module a traced worker's bundle must include (see worker/index.ts). */
export const TRACING_WORKFLOW_MODULE = join(__dirname, 'workflow-tracing');

type Interceptors = typeof import('@temporalio/interceptors-opentelemetry');

export interface Tracing {
  serviceName: string;
  /** Where spans are POSTed (…/v1/traces). */
  url: string;
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** Temporal's interceptor package, loaded with the SDK. */
  interceptors: Interceptors;
  /** Exports what is still buffered and stops; the process's spans after this are dropped. */
  shutdown(): Promise<void>;
}

/**
 * The OTLP/HTTP traces URL, or undefined when tracing is off. The config's endpoint and
 * OTEL_EXPORTER_OTLP_ENDPOINT are base URLs (`/v1/traces` is appended, as the OpenTelemetry spec
 * says for the latter); OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as it is.
 */
export function tracesUrl(configEndpoint: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const base = (u: string) => (/\/v1\/traces\/?$/.test(u) ? u : `${u.replace(/\/+$/, '')}/v1/traces`);
  if (configEndpoint) return base(configEndpoint);
  const signal = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (signal) return signal;
  const general = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return general ? base(general) : undefined;
}

let active: Tracing | undefined;

/** The tracing this process started, if any. */
export function activeTracing(): Tracing | undefined {
  return active;
}

/**
 * Starts tracing for this process (once: the OpenTelemetry API has one global provider): spans
 * are batched and POSTed to `url` with resource `service.name` = `serviceName`, and W3C trace
 * context propagates through async calls (AsyncLocalStorage) and Temporal headers.
 */
export async function startTracing(opts: { serviceName: string; url: string }): Promise<Tracing> {
  if (active) {
    if (active.url === opts.url && active.serviceName === opts.serviceName) return active;
    throw new Error(`tracing already exports to ${active.url} as ${active.serviceName} in this process`);
  }
  const [{ AsyncLocalStorageContextManager }, core, { OTLPTraceExporter }, resources, sdk, interceptors] = await Promise.all([
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
    import('@temporalio/interceptors-opentelemetry'),
  ]);
  const resource = resources.Resource.default().merge(new resources.Resource({ 'service.name': opts.serviceName }));
  // Exporting never blocks a decision: spans are batched and a slow or absent receiver only drops them.
  const spanProcessor = new sdk.BatchSpanProcessor(new OTLPTraceExporter({ url: opts.url, timeoutMillis: 5000 }), { scheduledDelayMillis: 1000 });
  const provider = new sdk.BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register({
    contextManager: new AsyncLocalStorageContextManager().enable(),
    propagator: new core.CompositePropagator({ propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()] }),
  });
  const tracing: Tracing = {
    serviceName: opts.serviceName,
    url: opts.url,
    spanProcessor,
    resource,
    interceptors,
    async shutdown() {
      await provider.shutdown().catch(() => undefined);
      trace.disable();
      context.disable();
      propagation.disable();
      if (active === tracing) active = undefined;
    },
  };
  active = tracing;
  return tracing;
}

/** Stops this process's tracing, if started (the CLI calls it before exiting, so its spans are sent). */
export async function shutdownTracing(): Promise<void> {
  await active?.shutdown();
}

/**
 * A traced worker's activity interceptors and the run sink. An activity of a traced run (the
 * `kinetic-trace` header) gets RunActivity under its step's StartActivity under the run's
 * RunWorkflow (observability/decision-spans.ts); any other (an untraced workflow's, or one
 * scheduled by a workflow still running an older traced bundle, with Temporal's header) gets
 * Temporal's RunActivity span as before. Activity log lines carry the trace and span ids.
 */
export function tracingWorkerOptions(t: Tracing): { activity: ActivityInterceptorsFactory[]; sinks: InjectedSinks<DecisionTraceSinks> } {
  const { OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor } = t.interceptors;
  return {
    activity: [
      (ctx) => {
        const traced = ctx.info.inWorkflow ? runActivitySpans(ctx, t.spanProcessor, t.resource) : undefined;
        const temporal = new OpenTelemetryActivityInboundInterceptor(ctx);
        return {
          inbound: { execute: (input, next) => (traced && input.headers?.[TRACE_CARRIER_HEADER] ? traced(input, next) : temporal.execute(input, next)) },
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        };
      },
    ],
    sinks: runEndedSink(t.spanProcessor, t.resource),
  };
}

/** The client interceptors of a traced process (StartWorkflow, query, update… spans, whose context the workflow continues); undefined when not tracing. */
export function tracingClientInterceptors(): { workflow: WorkflowClientInterceptor[] } | undefined {
  return active ? { workflow: [new active.interceptors.OpenTelemetryWorkflowClientInterceptor()] } : undefined;
}

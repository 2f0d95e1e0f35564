/**
 * kineticTelemetry: what observability/ exports for a worker — the Prometheus `/metrics` endpoint
 * (Kinetic's metrics, the process's, and Temporal's SDK page when the Runtime was installed with
 * installRuntimeWithPrometheus), served while the worker runs; and, with `tracing`, Temporal's
 * OpenTelemetry interceptors (activity side, sinks, and the workflow modules kineticDecisions
 * bundles). Put it before kineticDecisions in `plugins`, so the decision interceptor sees its spans.
 */
import { Client } from '@temporalio/client';
import { SimplePlugin } from '@temporalio/plugin';
import type { Worker, WorkerOptions } from '@temporalio/worker';
import { startMetricsServer, type MetricsServer } from '../observability/metrics-server';
import { pendingApprovalsRefresher } from '../observability/pending-approvals';
import { TRACING_WORKFLOW_MODULE, tracingWorkerOptions, type Tracing } from '../observability/tracing';

export interface KineticTelemetryOptions {
  /** Serve /metrics on this port (0: any free one); absent: no endpoint. */
  metricsPort?: number;
  metricsHost?: string;
  /** Temporal's exporter page, as installRuntimeWithPrometheus returned it. */
  temporalMetricsUrl?: string;
  /** Called with the endpoint's URL once it listens. */
  onMetrics?: (server: MetricsServer) => void;
  /** Spans of every decision this worker runs (observability/tracing.ts startTracing). */
  tracing?: Tracing;
}

export class KineticTelemetryPlugin extends SimplePlugin {
  constructor(private readonly opts: KineticTelemetryOptions = {}) {
    super({ name: 'kinetic.telemetry' });
  }

  override configureWorker(options: WorkerOptions): WorkerOptions {
    const out = super.configureWorker(options);
    if (!this.opts.tracing) return out;
    const traced = tracingWorkerOptions(this.opts.tracing);
    return {
      ...out,
      sinks: { ...out.sinks, ...traced.sinks },
      interceptors: {
        ...out.interceptors,
        activity: [...traced.activity, ...(out.interceptors?.activity ?? [])],
        workflowModules: [...(out.interceptors?.workflowModules ?? []), TRACING_WORKFLOW_MODULE],
      },
    };
  }

  override async runWorker(worker: Worker, next: (w: Worker) => Promise<void>): Promise<void> {
    const { metricsPort, metricsHost, temporalMetricsUrl } = this.opts;
    if (metricsPort === undefined || !worker.connection) return next(worker);
    // Next to polling, not before it: a port in use stops the worker with the error.
    const main = next(worker);
    const client = new Client({ connection: worker.connection, namespace: worker.options.namespace });
    const serving = startMetricsServer({
      port: metricsPort,
      host: metricsHost,
      temporalMetricsUrl,
      beforeScrape: pendingApprovalsRefresher(client, worker.options.taskQueue),
    }).then((server) => (this.opts.onMetrics?.(server), server));
    serving.catch(() => worker.getState() === 'RUNNING' && worker.shutdown());
    try {
      await main;
    } finally {
      await (await serving).close();
    }
  }
}

export function kineticTelemetry(options: KineticTelemetryOptions = {}): KineticTelemetryPlugin {
  return new KineticTelemetryPlugin(options);
}

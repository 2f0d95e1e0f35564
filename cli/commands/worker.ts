import { NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig } from '../../config/load';
import { resolveTemporalTarget } from '../../client/connection';
import { createKineticWorker } from '../../worker';
import { installRuntimeWithPrometheus } from '../../observability/metrics-server';
import { logFormatOf, routeConsole, workerLogger } from '../../observability/logging';
import { startTracing, tracesUrl } from '../../observability/tracing';
import { CliCommand, UserError } from '../command';
import { CONFIG_FLAG, intFlag, parseFlags } from '../args';

export const command: CliCommand = {
  name: 'worker',
  summary: 'run a worker that executes decisions (stateless: run as many as you like)',
  usage: `Usage: kinetic worker [--config kinetic.yaml] [--task-queue NAME] [--metrics-port PORT] [--log-format json|text]

Polls the task queue from the config (default kinetic-decisions) and runs the decision saga's
workflows and activities. Connects to TEMPORAL_ADDRESS when set, else the embedded dev server.
SIGINT/SIGTERM drain in-flight tasks and exit.

--metrics-port PORT  serve Prometheus metrics on http://<host>:PORT/metrics (Kinetic's, the
                     process's and Temporal's SDK metrics); default observability.metricsPort
                     from the config, else no endpoint.
--log-format FORMAT  json: one JSON object a line on stdout (level, time, msg; decisionId,
                     workflowId, runId inside decisions); text: for a terminal, on stderr.
                     Default observability.logFormat, else json unless stdout is a terminal.

Traces: with observability.tracing.endpoint in the config (or OTEL_EXPORTER_OTLP_ENDPOINT) every
decision's spans go to that OTLP/HTTP receiver as service kinetic-worker.`,
  async run(argv) {
    const { values } = parseFlags(argv, { ...CONFIG_FLAG, 'task-queue': { type: 'string' }, 'metrics-port': { type: 'string' }, 'log-format': { type: 'string' } }, 'worker');
    const cfg = loadConfig(values.config as string | undefined);
    const metricsPort = intFlag(values['metrics-port'] as string | undefined, '--metrics-port', 'worker', 1) ?? cfg.observability?.metricsPort;
    let logFormat;
    try {
      logFormat = logFormatOf(values['log-format'] as string | undefined, cfg.observability?.logFormat);
    } catch (e) {
      throw new UserError(`kinetic worker: ${(e as Error).message}`, 2);
    }
    // Workflow, activity and SDK logs pass through redaction (credentials in URLs, tokens, keys).
    const logger = workerLogger(logFormat);
    // JSON: what anything prints (activities, libraries, the lines below) is a JSON line too.
    if (logFormat === 'json') routeConsole(logger);
    const tracesTo = tracesUrl(cfg.observability?.tracing?.endpoint);
    const tracing = tracesTo ? await startTracing({ serviceName: 'kinetic-worker', url: tracesTo }) : undefined;
    // The Runtime (logger, and the Prometheus exporter) must be installed once, before the first connection.
    let temporalMetricsUrl: string | undefined;
    if (metricsPort !== undefined) temporalMetricsUrl = await installRuntimeWithPrometheus({ logger });
    else Runtime.install({ logger });
    const target = resolveTemporalTarget();
    const connection = await NativeConnection.connect(target.connectionOptions as Parameters<typeof NativeConnection.connect>[0]);
    const taskQueue = (values['task-queue'] as string | undefined) ?? cfg.taskQueue;
    // Built on Kinetic's plugins (plugins/): the learning schedules are created or updated
    // idempotently when it starts, /metrics is served and decisions are traced while it runs.
    const worker = await createKineticWorker({
      connection,
      namespace: target.namespace,
      taskQueue,
      configPath: cfg.file,
      applySchedules: true,
      ...(tracing ? { tracing } : {}),
      ...(metricsPort !== undefined
        ? { telemetry: { metricsPort, metricsHost: cfg.observability?.metricsHost, temporalMetricsUrl, onMetrics: (m) => console.log(`metrics on ${m.url}`) } }
        : {}),
      onRunning: () => {
        console.log(`worker polling ${taskQueue} on ${target.address} (namespace ${target.namespace}); services: ${Object.keys(cfg.services).join(', ')}`);
        if (tracing) console.log(`traces to ${tracing.url}`);
      },
    });
    process.once('SIGINT', () => worker.shutdown());
    process.once('SIGTERM', () => worker.shutdown());
    await worker.run();
    await tracing?.shutdown();
    await connection.close();
    return 0;
  },
};

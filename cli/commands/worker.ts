import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig } from '../../config/load';
import { resolveTemporalTarget } from '../../client/connection';
import { createKineticWorker } from '../../worker';
import { installRuntimeWithPrometheus } from '../../observability/metrics-server';
import { redactingLogger } from '../../security/redacting-logger';
import { CliCommand } from '../command';
import { CONFIG_FLAG, intFlag, parseFlags } from '../args';

export const command: CliCommand = {
  name: 'worker',
  summary: 'run a worker that executes decisions (stateless: run as many as you like)',
  usage: `Usage: kinetic worker [--config kinetic.yaml] [--task-queue NAME] [--metrics-port PORT]

Polls the task queue from the config (default kinetic-decisions) and runs the decision saga's
workflows and activities. Connects to TEMPORAL_ADDRESS when set, else the embedded dev server.
SIGINT/SIGTERM drain in-flight tasks and exit.

--metrics-port PORT  serve Prometheus metrics on http://<host>:PORT/metrics (Kinetic's, the
                     process's and Temporal's SDK metrics); default observability.metricsPort
                     from the config, else no endpoint.`,
  async run(argv) {
    const { values } = parseFlags(argv, { ...CONFIG_FLAG, 'task-queue': { type: 'string' }, 'metrics-port': { type: 'string' } }, 'worker');
    const cfg = loadConfig(values.config as string | undefined);
    const metricsPort = intFlag(values['metrics-port'] as string | undefined, '--metrics-port', 'worker', 1) ?? cfg.observability?.metricsPort;
    // Workflow, activity and SDK logs pass through redaction (credentials in URLs, tokens, keys).
    const logger = redactingLogger(new DefaultLogger('INFO'));
    // The Runtime (logger, and the Prometheus exporter) must be installed once, before the first connection.
    let temporalMetricsUrl: string | undefined;
    if (metricsPort !== undefined) temporalMetricsUrl = await installRuntimeWithPrometheus({ logger });
    else Runtime.install({ logger });
    const target = resolveTemporalTarget();
    const connection = await NativeConnection.connect(target.connectionOptions as Parameters<typeof NativeConnection.connect>[0]);
    const taskQueue = (values['task-queue'] as string | undefined) ?? cfg.taskQueue;
    // Built on Kinetic's plugins (plugins/): the learning schedules are created or updated
    // idempotently when it starts, /metrics is served while it runs.
    const worker = await createKineticWorker({
      connection,
      namespace: target.namespace,
      taskQueue,
      configPath: cfg.file,
      applySchedules: true,
      ...(metricsPort !== undefined
        ? { telemetry: { metricsPort, metricsHost: cfg.observability?.metricsHost, temporalMetricsUrl, onMetrics: (m) => console.log(`metrics on ${m.url}`) } }
        : {}),
      onRunning: () => console.log(`worker polling ${taskQueue} on ${target.address} (namespace ${target.namespace}); services: ${Object.keys(cfg.services).join(', ')}`),
    });
    process.once('SIGINT', () => worker.shutdown());
    process.once('SIGTERM', () => worker.shutdown());
    await worker.run();
    await connection.close();
    return 0;
  },
};

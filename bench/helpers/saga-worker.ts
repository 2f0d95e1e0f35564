/**
 * One Kinetic worker in its own OS process for bench/saga.ts: the repo's worker factory
 * (`createKineticWorker`, the same call `kinetic worker` makes) on a pre-built workflow bundle, so
 * starting four of them does not bundle four times. Prints `worker-ready` once it polls;
 * SIGTERM/SIGINT drain in-flight tasks and exit.
 * Env: TEMPORAL_ADDRESS, TASK_QUEUE, KINETIC_CONFIG, WORKFLOW_BUNDLE; KINETIC_METRICS_PORT (0 = any free
 * port) serves /metrics as `kinetic worker --metrics-port` does and prints `metrics-url <url>`;
 * KINETIC_TRACES_URL traces every decision to that OTLP/HTTP URL (WORKFLOW_BUNDLE must then be the traced bundle).
 * Run: node --import tsx bench/helpers/saga-worker.ts
 */
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createKineticWorker } from '../../worker';
import { installRuntimeWithPrometheus, startMetricsServer, type MetricsServer } from '../../observability/metrics-server';
import { pendingApprovalsRefresher } from '../../observability/pending-approvals';
import { startTracing } from '../../observability/tracing';

async function main() {
  const metricsPort = process.env.KINETIC_METRICS_PORT;
  const logger = new DefaultLogger('WARN');
  const temporalMetricsUrl = metricsPort !== undefined ? await installRuntimeWithPrometheus({ logger }) : (Runtime.install({ logger }), undefined);
  const tracesUrl = process.env.KINETIC_TRACES_URL;
  const tracing = tracesUrl ? await startTracing({ serviceName: 'kinetic-worker', url: tracesUrl }) : undefined;
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const worker = await createKineticWorker({
    connection,
    taskQueue: process.env.TASK_QUEUE!,
    configPath: process.env.KINETIC_CONFIG!,
    workflowBundlePath: process.env.WORKFLOW_BUNDLE!,
    identity: `bench-worker-${process.pid}`,
    onRunning: () => process.stdout.write('worker-ready\n'),
    tracing,
  });
  let metrics: MetricsServer | undefined;
  if (metricsPort !== undefined) {
    const beforeScrape = pendingApprovalsRefresher(new Client({ connection }), process.env.TASK_QUEUE!);
    metrics = await startMetricsServer({ port: Number(metricsPort), host: '127.0.0.1', temporalMetricsUrl, beforeScrape });
    process.stdout.write(`metrics-url ${metrics.url}\n`);
  }
  process.once('SIGINT', () => worker.shutdown());
  process.once('SIGTERM', () => worker.shutdown());
  await worker.run();
  await tracing?.shutdown();
  await metrics?.close();
  await connection.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

/**
 * One Kinetic worker in its own OS process for bench/saga.ts: the repo's worker factory
 * (`createKineticWorker`, the same call `kinetic worker` makes) on a pre-built workflow bundle, so
 * starting four of them does not bundle four times. Prints `worker-ready` once it polls;
 * SIGTERM/SIGINT drain in-flight tasks and exit.
 * Env: TEMPORAL_ADDRESS, TASK_QUEUE, KINETIC_CONFIG, WORKFLOW_BUNDLE.
 * Run: node --import tsx bench/helpers/saga-worker.ts
 */
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createKineticWorker } from '../../worker';

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const worker = await createKineticWorker({
    connection,
    taskQueue: process.env.TASK_QUEUE!,
    configPath: process.env.KINETIC_CONFIG!,
    workflowBundlePath: process.env.WORKFLOW_BUNDLE!,
    identity: `bench-worker-${process.pid}`,
  });
  process.once('SIGINT', () => worker.shutdown());
  process.once('SIGTERM', () => worker.shutdown());
  const running = worker.run();
  process.stdout.write('worker-ready\n');
  await running;
  await connection.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

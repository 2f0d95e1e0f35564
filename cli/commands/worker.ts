import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig } from '../../config/load';
import { resolveTemporalTarget } from '../../client/connection';
import { applySchedulesOnWorkerStart } from '../../schedules';
import { createKineticWorker } from '../../worker';
import { redactingLogger } from '../../security/redacting-logger';
import { CliCommand } from '../command';
import { CONFIG_FLAG, parseFlags } from '../args';

export const command: CliCommand = {
  name: 'worker',
  summary: 'run a worker that executes decisions (stateless: run as many as you like)',
  usage: `Usage: kinetic worker [--config kinetic.yaml] [--task-queue NAME]

Polls the task queue from the config (default kinetic-decisions) and runs the decision saga's
workflows and activities. Connects to TEMPORAL_ADDRESS when set, else the embedded dev server.
SIGINT/SIGTERM drain in-flight tasks and exit.`,
  async run(argv) {
    const { values } = parseFlags(argv, { ...CONFIG_FLAG, 'task-queue': { type: 'string' } }, 'worker');
    const cfg = loadConfig(values.config as string | undefined);
    // Workflow, activity and SDK logs pass through redaction (credentials in URLs, tokens, keys).
    Runtime.install({ logger: redactingLogger(new DefaultLogger('INFO')) });
    const target = resolveTemporalTarget();
    const connection = await NativeConnection.connect(target.connectionOptions as Parameters<typeof NativeConnection.connect>[0]);
    const taskQueue = (values['task-queue'] as string | undefined) ?? cfg.taskQueue;
    const worker = await createKineticWorker({ connection, namespace: target.namespace, taskQueue, configPath: cfg.file });
    // Retrain / reweight / budget-report schedules: created or updated idempotently on every start.
    await applySchedulesOnWorkerStart({ configPath: cfg.file, taskQueue });
    process.once('SIGINT', () => worker.shutdown());
    process.once('SIGTERM', () => worker.shutdown());
    console.log(`worker polling ${taskQueue} on ${target.address} (namespace ${target.namespace}); services: ${Object.keys(cfg.services).join(', ')}`);
    await worker.run();
    await connection.close();
    return 0;
  },
};

import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { inject } from 'vitest';
import { KineticClient } from '../../client';
import type { DepsOptions } from '../../activities/deps';
import { createKineticWorker } from '../../worker';

/** Connections to the run's shared dev server, and a worker on a task queue unique to the test. */
export interface TestTemporal {
  client: Client;
  kinetic: KineticClient;
  taskQueue: string;
  nativeConnection: NativeConnection;
  close(): Promise<void>;
}

let runtimeInstalled = false;

export async function connectTestTemporal(): Promise<TestTemporal> {
  if (!runtimeInstalled) {
    // Worker lifecycle INFO lines drown test output; warnings and errors still show.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const address = inject('temporalAddress');
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  const nativeConnection = await NativeConnection.connect({ address });
  const taskQueue = `test-${randomUUID()}`;
  return {
    client,
    kinetic: new KineticClient(client, taskQueue),
    taskQueue,
    nativeConnection,
    async close() {
      await connection.close();
      await nativeConnection.close();
    },
  };
}

/** Runs `fn` while an in-process worker polls the test's task queue. */
export async function withWorker<T>(t: TestTemporal, deps: DepsOptions, fn: () => Promise<T>): Promise<T> {
  const worker = await createKineticWorker({
    connection: t.nativeConnection,
    taskQueue: t.taskQueue,
    workflowBundlePath: inject('workflowBundlePath'),
    ...deps,
  });
  return worker.runUntil(fn());
}

/** Short timeouts so failure paths finish in seconds. */
export const FAST_TIMEOUTS = { stepSeconds: 10, forecastSeconds: 20, provisionSeconds: 20, heartbeatSeconds: 3, verifySeconds: 10 };

import { connectClient, KineticClient } from '../client';
import { loadConfig } from '../config/load';
import { DEFAULT_TASK_QUEUE } from '../workflows/definitions';

/** A KineticClient on the configured task queue (config optional: approve/status work without one). */
export async function cliClient(configPath?: string): Promise<KineticClient> {
  let taskQueue = DEFAULT_TASK_QUEUE;
  try {
    taskQueue = loadConfig(configPath).taskQueue;
  } catch (e) {
    if (configPath) throw e;
  }
  return new KineticClient(await connectClient(undefined, { configPath }), taskQueue);
}

import type { Client } from '@temporalio/client';
import { connectClient } from '../client/connection';
import { loadConfig } from '../config/load';
import { applySchedules, AppliedSchedule } from './apply';
import { resolveSchedulesConfig } from './definitions';

/**
 * Called once when a worker starts: creates or updates the learning schedules (idempotent, so
 * many workers starting together converge on one set). A failure is reported, not fatal: the
 * worker must still run decisions when, say, schedules are not allowed on this namespace.
 */
export async function applySchedulesOnWorkerStart(
  opts: { configPath?: string; taskQueue?: string; idPrefix?: string; /** The worker's own (kept open); default a connection from the environment. */ client?: Client } = {},
): Promise<AppliedSchedule[]> {
  const config = loadConfig(opts.configPath);
  if (!resolveSchedulesConfig(config.schedules).applyOnWorkerStart) return [];
  try {
    const client = opts.client ?? (await connectClient(undefined, { configPath: config.file }));
    try {
      return await applySchedules(client, { config, taskQueue: opts.taskQueue, idPrefix: opts.idPrefix });
    } finally {
      if (!opts.client) await client.connection.close();
    }
  } catch (e) {
    console.warn(`kinetic: schedules not applied at worker start: ${(e as Error).message}`);
    return [];
  }
}

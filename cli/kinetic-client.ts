import { connectClient, KineticClient } from '../client';
import { loadConfig, type LoadedConfig } from '../config/load';
import { startTracing, tracesUrl } from '../observability/tracing';
import { DEFAULT_TASK_QUEUE } from '../workflows/definitions';

/**
 * Traces of the CLI's calls (service kinetic-cli) when the config has observability.tracing or
 * the environment OTEL_EXPORTER_OTLP_ENDPOINT: `kinetic decide` is then the root of the
 * decision's trace. main() flushes them before the process exits.
 */
export async function startCliTracing(cfg?: LoadedConfig): Promise<void> {
  const url = tracesUrl(cfg?.observability?.tracing?.endpoint);
  if (url) await startTracing({ serviceName: 'kinetic-cli', url });
}

/** A KineticClient on the configured task queue (config optional: approve/status work without one). */
export async function cliClient(configPath?: string): Promise<KineticClient> {
  let cfg: LoadedConfig | undefined;
  try {
    cfg = loadConfig(configPath);
  } catch (e) {
    if (configPath) throw e;
  }
  await startCliTracing(cfg);
  return new KineticClient(await connectClient(undefined, { configPath }), cfg?.taskQueue ?? DEFAULT_TASK_QUEUE);
}

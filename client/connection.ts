import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { KINETIC_HOME } from '../config/tools';
import { dataConverterFromConfig } from '../encryption/from-config';
import { tracingClientInterceptors } from '../observability/tracing';

/**
 * Where Kinetic's Temporal is: TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE / TEMPORAL_TLS* / TEMPORAL_API_KEY
 * (via @temporalio/envconfig) when set, otherwise the embedded dev server started by `kinetic dev-server`.
 */
export interface TemporalTarget {
  address: string;
  namespace: string;
  embedded: boolean;
  connectionOptions: Parameters<typeof Connection.connect>[0];
}

export const EMBEDDED_ADDRESS_FILE = join(KINETIC_HOME, 'temporal', 'address');
export const EMBEDDED_DEFAULT_ADDRESS = '127.0.0.1:7233';

export function resolveTemporalTarget(): TemporalTarget {
  if (process.env.TEMPORAL_ADDRESS || process.env.TEMPORAL_PROFILE) {
    const cfg = loadClientConnectConfig();
    const namespace = cfg.namespace ?? process.env.TEMPORAL_NAMESPACE ?? 'default';
    return { address: cfg.connectionOptions.address ?? process.env.TEMPORAL_ADDRESS!, namespace, embedded: false, connectionOptions: cfg.connectionOptions };
  }
  const address = existsSync(EMBEDDED_ADDRESS_FILE) ? readFileSync(EMBEDDED_ADDRESS_FILE, 'utf8').trim() : EMBEDDED_DEFAULT_ADDRESS;
  return { address, namespace: process.env.TEMPORAL_NAMESPACE || 'default', embedded: true, connectionOptions: { address } };
}

export interface ConnectClientOptions {
  /** kinetic.yaml whose `encryption:` block sets the payload codec (default: KINETIC_CONFIG or ./kinetic.yaml). */
  configPath?: string;
  /** Overrides the data converter read from the config. */
  dataConverter?: DataConverter;
}

export async function connectClient(target = resolveTemporalTarget(), opts: ConnectClientOptions = {}): Promise<Client> {
  // Before connecting: a bad key file is reported as such, not as a connection problem.
  const dataConverter = opts.dataConverter ?? dataConverterFromConfig(opts.configPath);
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...target.connectionOptions, connectTimeout: '5s' });
  } catch (e) {
    const hint = target.embedded
      ? 'start the embedded server with `kinetic dev-server` (or `npm run demo`), or set TEMPORAL_ADDRESS'
      : 'check TEMPORAL_ADDRESS / TLS / API key settings';
    throw new Error(`cannot reach Temporal at ${target.address}: ${(e as Error).message}; ${hint}`);
  }
  // A process that traces (observability/tracing.ts) starts workflows inside its StartWorkflow spans.
  const interceptors = tracingClientInterceptors();
  return new Client({ connection, namespace: target.namespace, ...(dataConverter ? { dataConverter } : {}), ...(interceptors ? { interceptors } : {}) });
}

/** Starts the dashboard on host:port for a loaded config: what `kinetic dashboard`, the demo and the tests call. */
import type { Client } from '@temporalio/client';
import type { AddressInfo } from 'node:net';
import type { LoadedConfig } from '../../config/load';
import { createDashboardServer } from './server';
import { DashboardSources } from './sources';

export interface StartDashboardOptions {
  cfg: LoadedConfig;
  client?: Client;
  taskQueue?: string;
  host?: string;
  /** 0 = any free port. */
  port?: number;
  webUiUrl?: string;
  historyHours?: number;
  refreshSeconds?: number;
  /** The most points one series carries to the browser (server-side downsampling). */
  maxPoints?: number;
}

export interface RunningDashboard {
  url: string;
  close(): Promise<void>;
  /** Reads the stores now and pushes what changed to /events listeners (instead of waiting a tick). */
  refreshNow(): Promise<void>;
}

export const DEFAULT_DASHBOARD = { host: '127.0.0.1', port: 8090, webUiUrl: 'http://127.0.0.1:8233', historyHours: 6, refreshSeconds: 2, maxPoints: 300 };

export async function startDashboard(o: StartDashboardOptions): Promise<RunningDashboard> {
  const host = o.host ?? DEFAULT_DASHBOARD.host;
  const sources = new DashboardSources({
    cfg: o.cfg,
    client: o.client,
    taskQueue: o.taskQueue ?? o.cfg.taskQueue,
    webUiUrl: o.webUiUrl ?? DEFAULT_DASHBOARD.webUiUrl,
    historyMs: (o.historyHours ?? DEFAULT_DASHBOARD.historyHours) * 3600_000,
    maxPoints: o.maxPoints ?? DEFAULT_DASHBOARD.maxPoints,
  });
  const server = createDashboardServer({ data: sources, refreshMs: (o.refreshSeconds ?? DEFAULT_DASHBOARD.refreshSeconds) * 1000, title: o.cfg.file });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? DEFAULT_DASHBOARD.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    refreshNow: () => server.refreshNow(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // /events streams stay open otherwise
      }),
  };
}

import { loadConfig } from '../../config/load';
import { connectClient } from '../../client';
import { DEFAULT_DASHBOARD, startDashboard } from '../../observability/dashboard/start';
import { CONFIG_FLAG, intFlag, parseFlags } from '../args';
import { CliCommand, UserError } from '../command';

export const command: CliCommand = {
  name: 'dashboard',
  summary: 'serve the live dashboard: demand, forecast band, capacity, decisions, approvals, budget and accuracy per service',
  usage: `Usage: kinetic dashboard [--config FILE] [--host H] [--port N] [--json]
                         [--web-ui URL] [--hours N] [--refresh SECONDS] [--task-queue NAME]

Serves a web page (default http://${DEFAULT_DASHBOARD.host}:${DEFAULT_DASHBOARD.port}/) that shows, per service of kinetic.yaml
and updating live (server-sent events on /events): observed demand and the newest forecast (P50
line, P10–P90 band), instances planned vs ready, every decision as a marker coloured by outcome
(linked to its Temporal Web UI page; the tooltip gives the \`kinetic explain\` command), pending
approvals, budget use per level and forecast accuracy over 1/5/15/60 minutes. The same view model
is served as JSON on /api/services and /api/service/<name>.

Everything is read from where Kinetic keeps it: the audit log, each service's metrics source, the
prediction store, the budget authorities and Temporal visibility (a worker must run for budget
books). --hours sets how far back the charts reach (default ${DEFAULT_DASHBOARD.historyHours}); --web-ui the Temporal Web
UI the links point at (default ${DEFAULT_DASHBOARD.webUiUrl}); --json prints { "url": … } once listening.
SIGINT/SIGTERM stop it.`,
  async run(argv) {
    const { values } = parseFlags(
      argv,
      {
        ...CONFIG_FLAG,
        host: { type: 'string' },
        port: { type: 'string' },
        json: { type: 'boolean' },
        'web-ui': { type: 'string' },
        hours: { type: 'string' },
        refresh: { type: 'string' },
        'task-queue': { type: 'string' },
      },
      'dashboard',
    );
    const port = intFlag(values.port as string | undefined, '--port', 'dashboard', 0) ?? DEFAULT_DASHBOARD.port;
    if (port > 65535) throw new UserError(`kinetic dashboard: --port must be a TCP port 0–65535 (0 = any free port), got "${values.port}"`);
    const hours = intFlag(values.hours as string | undefined, '--hours', 'dashboard', 1);
    const refresh = intFlag(values.refresh as string | undefined, '--refresh', 'dashboard', 1);
    const webUi = values['web-ui'] as string | undefined;
    if (webUi !== undefined && !/^https?:\/\/[^/\s]+/.test(webUi)) throw new UserError(`kinetic dashboard: --web-ui must be an http(s) URL such as ${DEFAULT_DASHBOARD.webUiUrl}, got "${webUi}"`);
    const cfg = loadConfig(values.config as string | undefined);
    const client = await connectClient(undefined, { configPath: cfg.file }).catch((e: Error) => {
      console.error(`kinetic dashboard: ${e.message}; serving without Temporal: pending approvals and budget use are not shown (start the dashboard again once Temporal is reachable)`);
      return undefined;
    });
    const host = (values.host as string | undefined) ?? DEFAULT_DASHBOARD.host;
    const dashboard = await startDashboard({
      cfg,
      client,
      taskQueue: values['task-queue'] as string | undefined,
      host,
      port,
      webUiUrl: webUi,
      historyHours: hours,
      refreshSeconds: refresh,
    }).catch((e: Error) => {
      throw new UserError(`kinetic dashboard: cannot listen on ${host}:${port}: ${e.message}; pass another --port (0 = any free port) or --host`);
    });
    console.log(values.json ? JSON.stringify({ url: dashboard.url }) : `dashboard on ${dashboard.url} (JSON: ${dashboard.url}api/services, live: ${dashboard.url}events)`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await dashboard.close();
    await client?.connection.close();
    return 0;
  },
};

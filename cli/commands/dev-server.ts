import { ConfigError, loadConfig } from '../../config/load';
import { uiCodecEndpointFromConfig } from '../../encryption/from-config';
import { CliCommand } from '../command';
import { CONFIG_FLAG, intFlag, parseFlags } from '../args';
import { startEmbeddedServer } from '../embedded-server';

export const command: CliCommand = {
  name: 'dev-server',
  summary: 'start the embedded Temporal dev server (Web UI, persistent SQLite under .kinetic/)',
  usage: `Usage: kinetic dev-server [--port 7233] [--ui-port 8233] [--db FILE] [--config FILE] [--ui-codec-endpoint URL]

Runs the real \`temporal server start-dev\` (built by \`npm run toolchain\`) in the foreground,
with Kinetic's search attributes registered and its state in .kinetic/temporal/dev.sqlite, so
decisions survive restarts. When kinetic.yaml has encryption.codecServer, the Web UI is given
that codec server (--ui-codec-endpoint) so it can show encrypted histories; run
\`kinetic codec-server\` next to it. --ui-codec-endpoint URL sets another one. Ctrl-C stops it.`,
  async run(argv) {
    const { values } = parseFlags(
      argv,
      { ...CONFIG_FLAG, port: { type: 'string' }, 'ui-port': { type: 'string' }, db: { type: 'string' }, 'ui-codec-endpoint': { type: 'string' } },
      'dev-server',
    );
    const server = await startEmbeddedServer({
      port: intFlag(values.port as string | undefined, '--port', 'dev-server', 1),
      uiPort: intFlag(values['ui-port'] as string | undefined, '--ui-port', 'dev-server', 1),
      dbFile: values.db as string | undefined,
      uiCodecEndpoint: (values['ui-codec-endpoint'] as string | undefined) ?? configuredCodecEndpoint(values.config as string | undefined),
    });
    console.log(`Temporal dev server on ${server.address}`);
    console.log(`Temporal Web UI: ${server.uiUrl}`);
    console.log('Ctrl-C to stop.');
    await new Promise<void>((resolve) => {
      const stop = () => void server.stop().then(resolve);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      server.process.once('exit', () => resolve());
    });
    return 0;
  },
};

/** The UI's codec endpoint from kinetic.yaml; none when there is no config (the dev server runs without one). */
function configuredCodecEndpoint(configPath: string | undefined): string | undefined {
  let cfg;
  try {
    cfg = loadConfig(configPath);
  } catch (e) {
    if (configPath) throw e;
    // Without --config the dev server never needed a config: say why the UI has no codec, and go on.
    if (e instanceof ConfigError && !/no such file/.test(e.message)) console.warn(`kinetic dev-server: no codec endpoint for the Web UI: ${e.message}`);
    return undefined;
  }
  return uiCodecEndpointFromConfig(cfg);
}

import { CliCommand } from '../command';
import { intFlag, parseFlags } from '../args';
import { startEmbeddedServer } from '../embedded-server';

export const command: CliCommand = {
  name: 'dev-server',
  summary: 'start the embedded Temporal dev server (Web UI, persistent SQLite under .kinetic/)',
  usage: `Usage: kinetic dev-server [--port 7233] [--ui-port 8233] [--db FILE]

Runs the real \`temporal server start-dev\` (built by \`npm run toolchain\`) in the foreground,
with Kinetic's search attributes registered and its state in .kinetic/temporal/dev.sqlite, so
decisions survive restarts. Ctrl-C stops it.`,
  async run(argv) {
    const { values } = parseFlags(argv, { port: { type: 'string' }, 'ui-port': { type: 'string' }, db: { type: 'string' } }, 'dev-server');
    const server = await startEmbeddedServer({
      port: intFlag(values.port as string | undefined, '--port', 'dev-server', 1),
      uiPort: intFlag(values['ui-port'] as string | undefined, '--ui-port', 'dev-server', 1),
      dbFile: values.db as string | undefined,
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

import { ConfigError, UnknownServiceError } from '../config/load';
import { UserError } from './command';
import { shutdownTracing } from '../observability/tracing';
import { COMMANDS } from './commands';
import { takeGlobalFlags } from './global-flags';

const VERSION = '0.1.0';

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'kinetic — predictive autoscaler; every scaling decision is a durable Temporal saga.',
    '',
    'Usage: kinetic <command> [flags]   (kinetic <command> --help for its flags)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Temporal: --address HOST:PORT and --namespace NS (any command), else TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE /',
    'TEMPORAL_TLS_* / TEMPORAL_API_KEY when set, otherwise the embedded dev server (`kinetic dev-server`).',
    'Config: --config FILE, KINETIC_CONFIG, or ./kinetic.yaml. Commands with --json also take -o json.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(overview());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    console.log(VERSION);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    console.error(`kinetic: unknown command "${name}"\n\n${overview()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    const global = takeGlobalFlags(rest, name);
    Object.assign(process.env, global.env);
    return await command.run(global.argv);
  } catch (e) {
    if (e instanceof UserError) {
      console.error(e.message);
      return e.exitCode;
    }
    if (e instanceof ConfigError || e instanceof UnknownServiceError) {
      console.error(e.message);
      return 2;
    }
    console.error(`kinetic ${name}: ${(e as Error).message ?? e}`);
    return 1;
  } finally {
    // The spans of a traced command (decide, approve, …) are sent before the process exits.
    await shutdownTracing();
  }
}

/**
 * Flags every command takes, before or after its own: `--address HOST:PORT` and `--namespace NS`
 * pick the Temporal cluster like `temporal --address/--namespace`, overriding TEMPORAL_ADDRESS and
 * TEMPORAL_NAMESPACE (they are passed on as those variables, so every connection sees them).
 */
import { UserError } from './command';

const GLOBAL = { '--address': 'TEMPORAL_ADDRESS', '--namespace': 'TEMPORAL_NAMESPACE' } as const;

/** Removes the global flags from `argv` and returns the rest plus the environment they set. */
export function takeGlobalFlags(argv: string[], command: string): { argv: string[]; env: Record<string, string> } {
  const rest: string[] = [];
  const env: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') && argv[i].includes('=') ? [argv[i].slice(0, argv[i].indexOf('=')), argv[i].slice(argv[i].indexOf('=') + 1)] : [argv[i], undefined];
    if (!(flag in GLOBAL)) {
      rest.push(argv[i]);
      continue;
    }
    const value = inline ?? argv[++i];
    if (!value || value.startsWith('-')) {
      throw new UserError(`kinetic ${command}: ${flag} needs a value, e.g. ${flag === '--address' ? '--address HOST:PORT (the Temporal frontend; port 7233 by default)' : '--namespace default'}`);
    }
    env[GLOBAL[flag as keyof typeof GLOBAL]] = value;
  }
  return { argv: rest, env };
}

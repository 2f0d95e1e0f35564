import { parseArgs, ParseArgsConfig } from 'node:util';
import { UserError } from './command';

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with errors that say which flag is wrong and point at --help. */
export function parseFlags<T extends Options>(argv: string[], options: T, command: string) {
  if ('json' in options) argv = outputAsJson(argv, command);
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UserError(`kinetic ${command}: ${(e as Error).message}; see \`kinetic ${command} --help\``);
  }
}

export function requireFlag(value: string | undefined, flag: string, command: string): string {
  if (!value) throw new UserError(`kinetic ${command}: ${flag} is required; see \`kinetic ${command} --help\``);
  return value;
}

export function intFlag(value: string | undefined, flag: string, command: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UserError(`kinetic ${command}: ${flag} must be a whole number >= ${min}, got "${value}"`);
  return n;
}

/** Common flag for commands that read kinetic.yaml. */
export const CONFIG_FLAG = { config: { type: 'string', short: 'c' } } as const;

/** `-o json` / `--output json` (as the `temporal` CLI spells it) is `--json` for commands that have it. */
function outputAsJson(argv: string[], command: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^(?:-o|--output)(?:=(.*)|(.+))?$/.exec(argv[i]);
    // `-ojson` is -o with the value attached; `--outputs` is not ours.
    if (!m || (m[2] !== undefined && argv[i].startsWith('--'))) {
      out.push(argv[i]);
      continue;
    }
    const value = m[1] ?? m[2] ?? argv[++i];
    if (value !== 'json') throw new UserError(`kinetic ${command}: -o/--output takes "json" (the default is text), got ${value === undefined ? 'nothing' : `"${value}"`}`);
    out.push('--json');
  }
  return out;
}

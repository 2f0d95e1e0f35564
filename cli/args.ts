import { parseArgs, ParseArgsConfig } from 'node:util';
import { UserError } from './command';

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with errors that say which flag is wrong and point at --help. */
export function parseFlags<T extends Options>(argv: string[], options: T, command: string) {
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

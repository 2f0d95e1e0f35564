/** One `kinetic` sub-command. Each lives in cli/commands/<name>.ts and is listed in cli/commands/index.ts. */
export interface CliCommand {
  name: string;
  /** One line for `kinetic --help`. */
  summary: string;
  /** Full usage text for `kinetic <name> --help`. */
  usage: string;
  /** Returns the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** An error whose message is meant for the user as is (no stack trace). Exit code 2 = bad usage/input. */
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = 'UserError';
  }
}

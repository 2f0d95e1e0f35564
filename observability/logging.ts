/**
 * The worker's log lines (issue 15): JSON, one object a line on stdout (pino), or text for a
 * terminal (Temporal's DefaultLogger, on stderr). Both pass through the redacting logger
 * (security/redacting-logger.ts) first, so tokens, passwords and keys never reach a line.
 *
 * A JSON line has `level` (trace…error), `time` (ISO 8601), `msg`, `pid`, `hostname`, `name`
 * (kinetic-worker) and what Temporal's loggers attach: `sdkComponent` (worker, core, workflow,
 * activity), and inside a workflow or an activity `workflowId`, `runId`, `workflowType`,
 * `namespace`, `taskQueue` (activities also `activityType`, `activityId`, `attempt`, `isLocal`);
 * a decision's lines add `decisionId` and `service` (workflows/decision-interceptors.ts,
 * observability/activity-decision.ts) and, when tracing, `trace_id` and `span_id`.
 */
import { format } from 'node:util';
import pino from 'pino';
import { Context } from '@temporalio/activity';
import type { Logger, LogLevel, LogMetadata } from '@temporalio/common';
import { DefaultLogger } from '@temporalio/worker';
import { redactingLogger } from '../security/redacting-logger';

export type LogFormat = 'json' | 'text';
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'text'];

/** The flag's format, else the config's, else JSON unless stdout is a terminal (a person reading it). */
export function logFormatOf(flag: string | undefined, configured: LogFormat | undefined, stdoutIsTTY = Boolean(process.stdout.isTTY)): LogFormat {
  if (flag !== undefined) {
    if (!LOG_FORMATS.includes(flag as LogFormat)) throw new Error(`--log-format ${JSON.stringify(flag)}: use json (one JSON object a line) or text (for a terminal)`);
    return flag as LogFormat;
  }
  return configured ?? (stdoutIsTTY ? 'text' : 'json');
}

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/** Temporal's metadata as JSON fields: the activity's `workflowRunId` is `runId` like a workflow's; the opaque task token is left out. */
function fields(meta: LogMetadata | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!meta) return out;
  for (const [k, v] of Object.entries(meta)) {
    if (k === 'taskToken' || v === undefined) continue;
    out[k === 'workflowRunId' ? 'runId' : k] = v;
  }
  return out;
}

/** A Temporal Logger writing JSON lines (to stdout unless `destination` says otherwise). Not redacting: see workerLogger. */
export function jsonLogger(opts: { level?: LogLevel; name?: string; destination?: pino.DestinationStream } = {}): Logger {
  const p = pino(
    {
      name: opts.name ?? 'kinetic-worker',
      level: PINO_LEVEL[opts.level ?? 'INFO'],
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    opts.destination ?? pino.destination({ dest: 1, sync: true }),
  );
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => p[PINO_LEVEL[level]](fields(meta), message);
  return {
    log,
    trace: (m, meta) => log('TRACE', m, meta),
    debug: (m, meta) => log('DEBUG', m, meta),
    info: (m, meta) => log('INFO', m, meta),
    warn: (m, meta) => log('WARN', m, meta),
    error: (m, meta) => log('ERROR', m, meta),
  };
}

/** The worker's logger in `format`, redacting. */
export function workerLogger(logFormat: LogFormat, level: LogLevel = 'INFO'): Logger {
  return redactingLogger(logFormat === 'json' ? jsonLogger({ level }) : new DefaultLogger(level));
}

/**
 * Sends `console.*` through `logger`, so what a library or an activity prints is a JSON line too
 * (inside an activity: through the activity's logger, with its workflow, run and decision ids).
 * Returns the function that restores the console.
 */
export function routeConsole(logger: Logger): () => void {
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug };
  const to = (level: LogLevel) => (...args: unknown[]) => {
    let target = logger;
    try {
      target = Context.current().log;
    } catch {
      // not inside an activity
    }
    target.log(level, format(...args));
  };
  console.log = to('INFO');
  console.info = to('INFO');
  console.warn = to('WARN');
  console.error = to('ERROR');
  console.debug = to('DEBUG');
  return () => Object.assign(console, saved);
}

import type { Logger, LogLevel, LogMetadata } from '@temporalio/common';
import { redact, redactDeep } from './redact';

/**
 * A Temporal `Logger` that redacts every message and metadata value before the inner logger sees
 * them (the worker's workflow, activity and SDK logs: errors there carry URLs and tokens too).
 */
export function redactingLogger(inner: Logger): Logger {
  const meta = (m?: LogMetadata): LogMetadata | undefined => (m === undefined ? m : redactDeep(errorsAsText(m)));
  return {
    log: (level: LogLevel, message: string, m?: LogMetadata) => inner.log(level, redact(message), meta(m)),
    trace: (message: string, m?: LogMetadata) => inner.trace(redact(message), meta(m)),
    debug: (message: string, m?: LogMetadata) => inner.debug(redact(message), meta(m)),
    info: (message: string, m?: LogMetadata) => inner.info(redact(message), meta(m)),
    warn: (message: string, m?: LogMetadata) => inner.warn(redact(message), meta(m)),
    error: (message: string, m?: LogMetadata) => inner.error(redact(message), meta(m)),
  };
}

/** Errors in metadata become their (redacted) text: an Error object would print its raw stack. */
function errorsAsText(m: LogMetadata): LogMetadata {
  const out: LogMetadata = {};
  for (const [k, v] of Object.entries(m)) out[k] = v instanceof Error ? redact(v.stack ?? `${v.name}: ${v.message}`) : v;
  return out;
}

import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { jsonLogger, logFormatOf } from '../../observability/logging';
import { redactingLogger } from '../../security/redacting-logger';
import { tracesUrl } from '../../observability/tracing';

/** A JSON logger writing into an array of parsed lines. */
function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: jsonLogger({ destination }) };
}

describe('worker log lines', () => {
  it('are JSON with a level name, an ISO time and msg; an activity run id is runId, the task token left out', () => {
    const { lines, logger } = capture();
    logger.info('decision step done', { sdkComponent: 'activity', workflowId: 'scale-web', workflowRunId: 'r1', taskToken: 'AAAA', decisionId: 'web-1', step: 'plan' });
    logger.debug('not at INFO');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'decision step done', workflowId: 'scale-web', runId: 'r1', decisionId: 'web-1', step: 'plan', name: 'kinetic-worker' });
    expect(lines[0]).not.toHaveProperty('taskToken');
    expect(lines[0]).not.toHaveProperty('workflowRunId');
    expect(new Date(String(lines[0].time)).toISOString()).toBe(lines[0].time);
  });

  it('keep secrets out through the redacting logger, in the message and the metadata', () => {
    const { lines, logger } = capture();
    redactingLogger(logger).warn('GET http://bob:pa55word@prom:9090/api failed', { error: new Error('Bearer abcdefghijklmnop rejected') });
    expect(JSON.stringify(lines)).not.toMatch(/pa55word|abcdefghijklmnop/);
    expect(lines[0]).toMatchObject({ level: 'warn', msg: 'GET http://bob:***@prom:9090/api failed' });
  });

  it('default to JSON unless stdout is a terminal; the flag, then the config, decide first', () => {
    expect(logFormatOf(undefined, undefined, false)).toBe('json');
    expect(logFormatOf(undefined, undefined, true)).toBe('text');
    expect(logFormatOf(undefined, 'json', true)).toBe('json');
    expect(logFormatOf('text', 'json', false)).toBe('text');
    expect(() => logFormatOf('logfmt', undefined)).toThrow(/--log-format "logfmt": use json .* or text/);
  });
});

describe('traces URL', () => {
  it('appends /v1/traces to the config endpoint and OTEL_EXPORTER_OTLP_ENDPOINT, takes the traces endpoint as it is, and is off without any', () => {
    expect(tracesUrl('http://c:4318/', {})).toBe('http://c:4318/v1/traces');
    expect(tracesUrl('http://c:4318', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://other:4318' })).toBe('http://c:4318/v1/traces');
    expect(tracesUrl(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://e:4318' })).toBe('http://e:4318/v1/traces');
    expect(tracesUrl(undefined, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:4318/custom', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://e:4318' })).toBe('http://t:4318/custom');
    expect(tracesUrl(undefined, {})).toBeUndefined();
  });
});

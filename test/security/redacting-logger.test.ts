import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { redactingLogger } from '../../security/redacting-logger';

describe('redactingLogger', () => {
  it('redacts messages, metadata strings and errors before the inner logger writes them', () => {
    const entries: LogEntry[] = [];
    const logger = redactingLogger(new DefaultLogger('TRACE', (e) => entries.push(e)));
    logger.warn('metrics read failed: http://u:hunter2@prom:9090', { url: 'http://u:hunter2@prom:9090', attempt: 2, error: new Error('token=hunter2 refused') });
    logger.log('ERROR', 'Authorization: Bearer hunter2hunter2');
    logger.info('plain message', { attempt: 1 });
    expect(entries.map((e) => e.level)).toEqual(['WARN', 'ERROR', 'INFO']);
    expect(entries[0].message).toBe('metrics read failed: http://u:***@prom:9090');
    expect(entries[0].meta).toMatchObject({ url: 'http://u:***@prom:9090', attempt: 2 });
    expect(String(entries[0].meta?.error)).toMatch(/^Error: token=\*\*\* refused/);
    expect(entries[1].message).toBe('Authorization: *** ***');
    expect(entries[2]).toMatchObject({ message: 'plain message', meta: { attempt: 1 } });
    expect(JSON.stringify(entries.map((e) => [e.message, e.meta]))).not.toContain('hunter2');
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileAuditLog } from '../../store/audit';
import { freePort } from '../helpers/prometheus';
import { createSandbox, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';

/**
 * Every string of a history, payload bytes decoded as text: what the Temporal database and Web UI
 * show. (The history's proto JSON carries payload bytes as base64 `data` fields.)
 */
function historyText(history: unknown): string {
  const decode = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(decode);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'data' && typeof x === 'string' ? Buffer.from(x, 'base64').toString('utf8') : decode(x)]));
    }
    return v;
  };
  return JSON.stringify(decode(JSON.parse(JSON.stringify(history))));
}

/** Every file under a directory, as text (the audit log and anything else the decision wrote). */
function filesText(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
    .join('\n');
}

let t: TestTemporal;
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => t?.close());

describe('redaction of credentials through the saga (real dev server)', () => {
  it('a Prometheus URL with credentials fails the decision; the record, the audit log and the workflow history hold no password', async () => {
    const service = 'redact-prom';
    const sb = createSandbox();
    const port = await freePort(); // closed: nothing listens there
    const url = `http://kinetic:secret@127.0.0.1:${port}`;
    sb.writeConfig({ [service]: serviceConfig('unused.csv', { metrics: { source: 'prometheus', url, query: 'sum(up)', stepSeconds: 1, historyPoints: 30 } }) });
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision(service, { timeouts: FAST_TIMEOUTS });
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(rec.outcome).toBe('failed');
    // The failure still says where: the URL with its user, the password masked.
    expect(rec.error).toContain(`prometheus http://kinetic:***@127.0.0.1:${port}`);
    expect(JSON.stringify(rec)).not.toContain('secret');

    const audited = await new FileAuditLog(sb.stateRoot).find(rec.id);
    expect(audited?.error).toContain('kinetic:***@');
    expect(filesText(sb.stateRoot)).not.toContain('secret');

    const history = historyText(await t.client.workflow.getHandle(rec.workflowId, rec.runId).fetchHistory());
    expect(history).toContain(rec.id); // payloads are decoded (the id is only in them) …
    expect(history).toContain(`kinetic:***@127.0.0.1:${port}`); // … the failure is in the history …
    expect(history).not.toContain('secret'); // … without the password
  }, 60_000);

  it('with a fallback, the failed read is kept in the forecast (activity result, record) with the password masked', async () => {
    const service = 'redact-prom-fallback';
    const sb = createSandbox();
    const port = await freePort();
    const url = `http://kinetic:secret@127.0.0.1:${port}`;
    sb.writeConfig({
      [service]: serviceConfig('unused.csv', { metrics: { source: 'prometheus', url, query: 'sum(up)', stepSeconds: 1, historyPoints: 30 }, fallback: { failureThreshold: 1, step: 1 } }),
    });
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision(service, { timeouts: FAST_TIMEOUTS });
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(rec.forecast?.mode).toBe('fallback');
    expect(rec.forecast?.fallback?.error).toContain(`http://kinetic:***@127.0.0.1:${port}`);
    expect(JSON.stringify(rec)).not.toContain('secret');
    expect(filesText(sb.stateRoot)).not.toContain('secret');
    const history = historyText(await t.client.workflow.getHandle(rec.workflowId, rec.runId).fetchHistory());
    expect(history).toContain(`kinetic:***@127.0.0.1:${port}`);
    expect(history).not.toContain('secret');
  }, 60_000);
});

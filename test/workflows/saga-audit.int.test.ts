import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT, toolPath } from '../../config/tools';
import type { DecisionRecord } from '../../decision/record';
import { AuditLog, createAuditLog, FileAuditLog } from '../../store/audit';
import { closePostgresPools } from '../../store/postgres';
import { currentStepQuery, SA_STAGE } from '../../workflows/definitions';
import { startPostgres, PostgresTestServer } from '../helpers/postgres';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';

/**
 * Writing the audit record must succeed: while the sink refuses it the decision waits, visibly in
 * stage `record` (query, search attribute, a pending activity with its last error), and completes
 * with exactly one record once the sink is back — never an unaudited completion.
 */
let t: TestTemporal;
let pg: PostgresTestServer;
const ENV = 'KINETIC_TEST_SAGA_PG_URL';

beforeAll(async () => {
  t = await connectTestTemporal();
  pg = await startPostgres();
  process.env[ENV] = pg.url;
}, 120_000);
afterAll(async () => {
  await t?.close();
  await closePostgresPools();
  await pg?.close();
  delete process.env[ENV];
});

/** A file audit log whose first `failures` appends fail, as a sink that is down would. */
class FlakySink implements AuditLog {
  readonly sink = 'file' as const;
  appends = 0;
  constructor(
    private readonly inner: FileAuditLog,
    private readonly failures: number,
  ) {}
  get location() {
    return this.inner.location;
  }
  async append(record: DecisionRecord) {
    if (++this.appends <= this.failures) throw new Error(`audit sink unavailable (attempt ${this.appends})`);
    return this.inner.append(record);
  }
  all = () => this.inner.all();
  find = (id: string) => this.inner.find(id);
  forService = (service: string) => this.inner.forService(service);
  verify = () => this.inner.verify();
}

/** Waits until the decision shows stage `record` everywhere an operator looks, with a pending recordDecision retry. */
async function waitUntilStuckInRecord(workflowId: string, failure: RegExp) {
  const h = t.client.workflow.getHandle(workflowId);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const d = await h.describe();
    const pending = d.raw.pendingActivities?.find((a) => a.activityType?.name === 'recordDecision');
    if (pending && (pending.attempt ?? 0) >= 2 && failure.test(pending.lastFailure?.message ?? '')) {
      expect(d.status.name).toBe('RUNNING');
      expect(d.typedSearchAttributes.get(SA_STAGE)).toBe('record');
      expect(await h.query(currentStepQuery)).toBe('record');
      return pending;
    }
    if (Date.now() > deadline) throw new Error(`recordDecision never retried visibly (status ${d.status.name})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('the record step retries until the audit log has the record', () => {
  it('a sink that fails 8 times: the decision waits in stage record, then completes with exactly one record', async () => {
    const sb = createSandbox();
    sb.writeConfig({ 'record-retry': serviceConfig(sb.csv('record-retry', flat(55))) });
    const sink = new FlakySink(new FileAuditLog(sb.stateRoot), 8);
    const rec = await withWorker(t, { configPath: sb.configPath, ledger: () => sink }, async () => {
      const s = await t.kinetic.startDecision('record-retry', { timeouts: FAST_TIMEOUTS });
      await waitUntilStuckInRecord(s.workflowId, /audit sink unavailable/);
      expect(await sink.all()).toEqual([]); // nothing recorded yet, and the decision has not completed
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(rec).toMatchObject({ outcome: 'committed', stage: 'done' });
    expect(rec.reason).not.toMatch(/audit/);
    expect(sink.appends).toBe(9); // 5 quick local attempts, then the regular activity's 4th attempt succeeded
    const log = new FileAuditLog(sb.stateRoot);
    expect((await log.all()).map((r) => r.id)).toEqual([rec.id]);
    expect(await log.find(rec.id)).toMatchObject({ outcome: 'committed', finishedAt: rec.finishedAt });
    expect((await log.verify()).ok).toBe(true);

    if (process.env.KINETIC_RECORD_HISTORIES) {
      // The new path's history, replayed by saga-replay.int.test.ts from test/fixtures/histories/.
      const json = execFileSync(toolPath('temporal'), ['workflow', 'show', '--address', inject('temporalAddress'), '-w', rec.workflowId, '-r', rec.runId, '--output', 'json']);
      writeFileSync(join(REPO_ROOT, 'test', 'fixtures', 'histories', `${rec.outcome}-${rec.workflowId}-${rec.runId.slice(-4)}.json`), json);
    }
  }, 120_000);

  it('Postgres stopped while a decision waits for approval: it stays in record until Postgres is back, then one chained record', async () => {
    const sb = createSandbox();
    const state = { audit: 'postgres', postgres: { urlEnv: ENV, schema: 'saga_audit' } };
    sb.writeConfig(
      { pgaudit: serviceConfig(sb.csv('pgaudit', flat(55)), { approval: { autoApprove: { maxStepChange: 1 }, approvers: ['alice@example.com'], timeout: '5m' } }) },
      { state },
    );
    const log = createAuditLog({ audit: 'postgres', store: 'file', postgres: { urlEnv: ENV, schema: 'saga_audit' } }, sb.stateRoot);
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision('pgaudit', { timeouts: FAST_TIMEOUTS });
      const deadline = Date.now() + 30_000;
      while ((await t.kinetic.getDecision(s.decisionId)).stage !== 'approval') {
        if (Date.now() > deadline) throw new Error('never reached approval');
        await new Promise((r) => setTimeout(r, 100));
      }
      pg.stop();
      try {
        await t.kinetic.approve(s.decisionId, 'alice@example.com');
        await waitUntilStuckInRecord(s.workflowId, /cannot reach Postgres/);
      } finally {
        pg.start();
      }
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(rec).toMatchObject({ outcome: 'committed', stage: 'done' });
    expect((await log.all()).map((r) => r.id)).toEqual([rec.id]);
    expect(await log.verify()).toMatchObject({ ok: true, records: 1, head: { seq: 1 } });
  }, 180_000);

  it('cooldown and the last committed decision are read from the Postgres audit log', async () => {
    const sb = createSandbox();
    const state = { audit: 'postgres', postgres: { urlEnv: ENV, schema: 'saga_cooldown' } };
    sb.writeConfig({ pgcool: serviceConfig(sb.csv('pgcool', flat(55)), { cooldown: '1h' }) }, { state });
    const [first, second] = await withWorker(t, { configPath: sb.configPath }, async () => {
      const a = await t.kinetic.startDecision('pgcool', { timeouts: FAST_TIMEOUTS });
      const ra = await t.kinetic.waitForDecision(a.decisionId);
      const b = await t.kinetic.startDecision('pgcool', { timeouts: FAST_TIMEOUTS, targetOverride: 8 });
      return [ra, await t.kinetic.waitForDecision(b.decisionId)];
    });
    expect(first.outcome).toBe('committed');
    expect(second.outcome).toBe('policy-rejected');
    expect(second.policy?.checks.find((c) => c.id === 'cooldown')).toMatchObject({ passed: false });
    const log = createAuditLog({ audit: 'postgres', store: 'file', postgres: { urlEnv: ENV, schema: 'saga_cooldown' } }, sb.stateRoot);
    expect((await log.forService('pgcool')).map((r) => [r.id, r.outcome])).toEqual([
      [first.id, 'committed'],
      [second.id, 'policy-rejected'],
    ]);
    expect(existsSync(join(sb.stateRoot, 'ledger', 'decisions.jsonl'))).toBe(false); // nothing went to the file sink
  }, 120_000);
});

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateConfig } from '../../config/schema';
import { AuditLog, createAuditLog, PostgresAuditLog } from '../../store/audit';
import { canonicalJson, chainHash, GENESIS } from '../../store/audit/chain';
import { closePostgresPools } from '../../store/postgres';
import { startPostgres, PostgresTestServer } from '../helpers/postgres';
import { createSandbox } from '../helpers/sandbox';
import { auditRecord } from './audit-records';

/** The Postgres audit sink against a real PostgreSQL (Debian's package, started per file). */
let pg: PostgresTestServer;
let sql: Client;
let schemas = 0;

beforeAll(async () => {
  pg = await startPostgres();
  sql = await connect();
}, 120_000);
afterAll(async () => {
  await sql?.end();
  await closePostgresPools();
  await pg?.close();
});

/** A plain client for the test's own SQL; a server restart must not crash the test process. */
async function connect(): Promise<Client> {
  const c = new Client(pg.url);
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

const state = (schema: string): StateConfig => ({ audit: 'postgres', store: 'file', postgres: { urlEnv: 'KINETIC_TEST_PG_URL', schema } });
function open(schema = `audit_${++schemas}`): { log: AuditLog; schema: string } {
  return { log: createAuditLog(state(schema), '/nonexistent', { KINETIC_TEST_PG_URL: pg.url }), schema };
}
async function logWith(ids: string[]): Promise<{ log: AuditLog; schema: string }> {
  const o = open();
  for (const id of ids) await o.log.append(auditRecord(id));
  return o;
}

describe('Postgres audit log', () => {
  it('appends once per decision id, each record linked to the one before, stored as the canonical JSON it hashed', async () => {
    const { log, schema } = open();
    expect(log).toBeInstanceOf(PostgresAuditLog);
    const a = await log.append(auditRecord('a'));
    expect(a).toMatchObject({ written: true, seq: 1, hash: chainHash(GENESIS, 1, auditRecord('a')) });
    expect(await log.append(auditRecord('a', 'webauditpg', { outcome: 'failed' }))).toEqual({ ...a, written: false });
    const b = await log.append(auditRecord('b', 'apiauditpg'));
    expect(b).toMatchObject({ written: true, seq: 2 });
    expect((await log.all()).map((r) => r.id)).toEqual(['a', 'b']);
    expect(await log.find('a')).toEqual(auditRecord('a'));
    expect(await log.find('zzz')).toBeUndefined();
    expect((await log.forService('apiauditpg')).map((r) => r.id)).toEqual(['b']);
    const rows = (await sql.query(`SELECT seq, decision_id, service, outcome, prev_hash, hash, record FROM "${schema}".audit_log ORDER BY seq`)).rows;
    expect(rows[1]).toMatchObject({ seq: '2', decision_id: 'b', service: 'apiauditpg', outcome: 'committed', prev_hash: a.hash, hash: b.hash, record: canonicalJson(auditRecord('b', 'apiauditpg')) });
    expect(await log.verify()).toMatchObject({ ok: true, sink: 'postgres', records: 2, chained: 2, head: { seq: 2, hash: b.hash } });
  });

  it('verify names a changed record (its content, or the columns readers select by)', async () => {
    const { log, schema } = await logWith(['a', 'b', 'c']);
    await sql.query(`UPDATE "${schema}".audit_log SET record = replace(record, '"outcome":"committed"', '"outcome":"rolled-back"') WHERE seq = 2`);
    expect((await log.verify()).firstBreak).toMatchObject({ kind: 'tampered', where: 'row seq 2', seq: 2, decisionId: 'b' });
    await sql.query(`UPDATE "${schema}".audit_log SET record = replace(record, '"outcome":"rolled-back"', '"outcome":"committed"') WHERE seq = 2`);
    expect((await log.verify()).ok).toBe(true);
    await sql.query(`UPDATE "${schema}".audit_log SET service = 'other' WHERE seq = 3`);
    expect((await log.verify()).firstBreak).toMatchObject({ kind: 'tampered', where: 'row seq 3', seq: 3 });
  });

  it('verify names a deleted record', async () => {
    const { log, schema } = await logWith(['a', 'b', 'c', 'd']);
    await sql.query(`DELETE FROM "${schema}".audit_log WHERE seq = 2`);
    const report = await log.verify();
    expect(report.firstBreak).toMatchObject({ kind: 'missing', expectedSeq: 2, seq: 3, where: 'row seq 3' });
    expect(report.records).toBe(3);
  });

  it('verify names reordered records', async () => {
    const { log, schema } = await logWith(['a', 'b', 'c', 'd']);
    const t = `"${schema}".audit_log`;
    // Swap the positions of seq 2 and 3 (via a free value: seq is the primary key).
    await sql.query(`UPDATE ${t} SET seq = 1000 WHERE seq = 2`);
    await sql.query(`UPDATE ${t} SET seq = 2 WHERE seq = 3`);
    await sql.query(`UPDATE ${t} SET seq = 3 WHERE seq = 1000`);
    expect((await log.verify()).firstBreak).toMatchObject({ kind: 'reordered', where: 'row seq 2', decisionId: 'c' });
  });

  it('writers on several "hosts" (processes with their own connections) append concurrently to one chain', async () => {
    const { log, schema } = open();
    const sb = createSandbox();
    const script = join(sb.dir, 'append.ts');
    writeFileSync(
      script,
      `import { createAuditLog } from ${JSON.stringify(join(process.cwd(), 'store/audit'))};
import { closePostgresPools } from ${JSON.stringify(join(process.cwd(), 'store/postgres'))};
const log = createAuditLog(${JSON.stringify(state(schema))}, '/nonexistent');
const who = process.argv[2];
(async () => {
  await Promise.all(Array.from({ length: 10 }, (_, i) =>
    log.append({ id: who + '-' + i, service: who, workflowId: 'w', runId: 'r', trigger: { kind: 'test' }, dryRun: false, stage: 'done', outcome: 'committed', compensation: [], timings: {}, startedAt: '', finishedAt: '' })));
  await closePostgresPools();
})().catch((e) => { console.error(e); process.exit(1); });
`,
    );
    const run = (who: string) =>
      new Promise<number | null>((resolve) =>
        spawn(process.execPath, ['--import', 'tsx', script, who], { cwd: process.cwd(), stdio: 'inherit', env: { ...process.env, KINETIC_TEST_PG_URL: pg.url } }).on('exit', resolve),
      );
    expect(await Promise.all(['h1', 'h2', 'h3', 'h4'].map(run))).toEqual([0, 0, 0, 0]);
    expect(await log.verify()).toMatchObject({ ok: true, records: 40, chained: 40, head: { seq: 40 } });
    const seqs = (await sql.query(`SELECT seq FROM "${schema}".audit_log ORDER BY seq`)).rows.map((r) => Number(r.seq));
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(new Set((await log.all()).map((r) => r.id)).size).toBe(40);
  }, 90_000);

  it('an append while Postgres is down fails and names the field; after a restart the record is written exactly once', async () => {
    const { log } = await logWith(['a']);
    pg.stop();
    try {
      await expect(log.append(auditRecord('b'))).rejects.toThrow(/^state\.postgres\.urlEnv: cannot reach Postgres at postgres:\/\/kinetic@127\.0\.0\.1:\d+\/postgres/);
      await expect(log.forService('webauditpg')).rejects.toThrow(/cannot reach Postgres/);
    } finally {
      pg.start();
      await sql.end().catch(() => undefined);
      sql = await connect();
    }
    expect(await log.append(auditRecord('b'))).toMatchObject({ written: true, seq: 2 });
    expect(await log.append(auditRecord('b'))).toMatchObject({ written: false, seq: 2 });
    expect((await log.all()).map((r) => r.id)).toEqual(['a', 'b']);
    expect((await log.verify()).ok).toBe(true);
  }, 60_000);
});

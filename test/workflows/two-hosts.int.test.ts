/**
 * Two "hosts" (issue 12): two worker processes with their own state directories share only what
 * several machines would share — the Temporal dev server, one PostgreSQL (audit log, predictions)
 * and one S3-compatible bucket (Pulumi state of every pool). 40 decisions over 10 services, all
 * started at once, under one budget tree (company → 2 departments → 5 projects → 10 services)
 * whose limits admit only part of the scale-outs.
 *
 * Checked from outside the code that enforces it: every level's committed + reserved spend, replayed
 * from the budget authority's own history with this file's own tree, never exceeds that level's
 * limit; each decision has exactly one row in Postgres; `kinetic audit verify` (the CLI, as an
 * operator runs it) passes; nothing is left reserved; the committed pools run in the real world.
 */
import { ChildProcess, execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Client as PgClient } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../config/tools';
import type { ReservedBudget } from '../../decision/review';
import { createPulumiLocalProvisioner, processesOfPoolDir } from '../../provisioners/pulumi-local';
import { killLeftovers } from '../pulumi/helpers';
import { appliedUpdates, bookOf } from '../helpers/budget';
import { startPostgres, type PostgresTestServer } from '../helpers/postgres';
import { S3RVER_CREDENTIALS, startS3Server, type S3TestServer } from '../helpers/s3-server';
import { createSandbox, flat, serviceConfig, type Sandbox } from '../helpers/sandbox';
import { connectTestTemporal, type TestTemporal } from '../helpers/temporal';
import { killWorker, startWorkerProcess } from '../helpers/worker-process';
import { PORT_BLOCKS, poolPort } from '../helpers/ports';

const run = promisify(execFile);
const H = 730.5;
const BUCKET = 'kinetic-two-hosts';
const TIMEOUTS = { stepSeconds: 60, forecastSeconds: 60, provisionSeconds: 240, heartbeatSeconds: 10, verifySeconds: 60 };
const uniq = Math.random().toString(36).slice(2, 8);

// 10 services; each scales 0 → 3 instances at 0.10/h: 3 × 0.1 × 730.5 = 219.15 a month.
const SERVICES = Array.from({ length: 10 }, (_, i) => `host-svc-${i}`);
const EACH = 3 * 0.1 * H;
const PROJECT_OF = (i: number) => `proj-${Math.floor(i / 2)}`; // proj-0: svc 0, 1 · … · proj-4: svc 8, 9
const DEPARTMENT_OF = (project: string) => (Number(project.slice(5)) < 2 ? 'dept-a' : 'dept-b'); // dept-a: proj-0, proj-1
// Limits in admitted scale-outs (+ slack below one more): proj-0 admits 1, dept-a 3, dept-b 4, the company 6.
const LIMITS = { company: 6 * EACH + 50, 'dept-a': 3 * EACH + 50, 'dept-b': 4 * EACH + 50, 'proj-0': 1 * EACH + 50, other: 10 * EACH };
const COMPANY = `two-hosts-${uniq}`;

let t: TestTemporal;
let pg: PostgresTestServer;
let s3: S3TestServer;
const children: ChildProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];
const saved: Record<string, string | undefined> = {};

function setEnv(k: string, v: string) {
  if (!(k in saved)) saved[k] = process.env[k];
  process.env[k] = v;
}

beforeAll(async () => {
  t = await connectTestTemporal();
  [pg, s3] = await Promise.all([startPostgres(), startS3Server({ bucket: BUCKET })]);
  // What every host's environment carries: the database URL, bucket credentials, one passphrase.
  setEnv('KINETIC_POSTGRES_URL', pg.url);
  setEnv('AWS_ACCESS_KEY_ID', S3RVER_CREDENTIALS.accessKeyId);
  setEnv('AWS_SECRET_ACCESS_KEY', S3RVER_CREDENTIALS.secretAccessKey);
  setEnv('PULUMI_CONFIG_PASSPHRASE', 'kinetic-two-hosts-test');
}, 120_000);

afterAll(async () => {
  for (const c of children) await killWorker(c);
  for (const c of cleanups) await c().catch((e: unknown) => console.error('cleanup failed', e));
  await t?.close();
  await Promise.all([pg?.close(), s3?.close()]);
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}, 300_000);

const backend = () => `s3://${BUCKET}/${uniq}/state/?endpoint=${encodeURIComponent(s3.endpoint)}&s3ForcePathStyle=true&region=us-east-1`;
// Ten pools of at most a few members in one block: members from basePort, the balancer just below.
const basePort = (i: number) => poolPort(PORT_BLOCKS.twoHosts) + i * 10;

/** One host's kinetic.yaml: the same services, its own state directory and CSVs. */
function hostSandbox(): Sandbox {
  const sb = createSandbox('kinetic-host-');
  const services = Object.fromEntries(
    SERVICES.map((s, i) => [
      s,
      serviceConfig(sb.csv(s, flat(25)), {
        minInstances: 0,
        budget: { monthly: 100_000, project: PROJECT_OF(i) },
        provisioner: { type: 'pulumi-local', basePort: basePort(i), env: { SAMPLE_CPU_MS: '1' }, backend: backend() },
      }),
    ]),
  );
  const projects = Object.fromEntries(
    Array.from({ length: 5 }, (_, p) => `proj-${p}`).map((p) => [p, { monthly: p === 'proj-0' ? LIMITS['proj-0'] : LIMITS.other, department: DEPARTMENT_OF(p) }]),
  );
  sb.writeConfig(services, {
    state: { audit: 'postgres', store: 'postgres' },
    budgets: {
      company: { name: COMPANY, monthly: LIMITS.company },
      departments: { 'dept-a': { monthly: LIMITS['dept-a'] }, 'dept-b': { monthly: LIMITS['dept-b'] } },
      projects,
    },
  });
  return sb;
}

/** Every budget level a service's spend counts towards, with its limit: this file's own tree. */
function levelsOf(service: string): Array<[string, number]> {
  const project = PROJECT_OF(SERVICES.indexOf(service));
  const dept = DEPARTMENT_OF(project);
  return [
    ['company', LIMITS.company],
    [dept, LIMITS[dept as 'dept-a' | 'dept-b']],
    [project, project === 'proj-0' ? LIMITS['proj-0'] : LIMITS.other],
  ];
}

describe('two hosts sharing Temporal, PostgreSQL and the Pulumi S3 backend', () => {
  it('40 concurrent decisions over 10 services never overspend any budget level, each recorded once in one verified chain', async () => {
    const hostA = hostSandbox();
    const hostB = hostSandbox();
    cleanups.push(async () => {
      // Tear every pool down through the shared backend and prove nothing of it survived.
      const p = createPulumiLocalProvisioner({ rootDir: path.join(hostA.stateRoot, 'pulumi'), backend: backend(), services: Object.fromEntries(SERVICES.map((s, i) => [s, { basePort: basePort(i) }])) });
      for (const s of SERVICES) await p.destroy(s);
      for (const sb of [hostA, hostB]) {
        expect(await killLeftovers(sb.dir)).toBe(0);
        fs.rmSync(sb.dir, { recursive: true, force: true });
      }
    });
    const workers = await Promise.all([startWorkerProcess(t.taskQueue, hostA.configPath, children), startWorkerProcess(t.taskQueue, hostB.configPath, children)]);

    // 4 decisions per service, all requested at once (a service's next one starts when its previous ends).
    const requests = SERVICES.flatMap((s) => Array.from({ length: 4 }, () => s));
    const records = await Promise.all(
      requests.map(async (s) => {
        const started = await t.kinetic.startDecision(s, { timeouts: TIMEOUTS });
        return t.kinetic.waitForDecision(started.decisionId);
      }),
    );
    const root = `company:${COMPANY}`;
    const book = await bookOf(t, root);

    // Outcomes: the first decision of each service asks for 0 → 3; the tree admits 6 of them.
    expect(records).toHaveLength(40);
    const outcomes = records.reduce<Record<string, number>>((m, r) => ({ ...m, [r.outcome ?? 'none']: (m[r.outcome ?? 'none'] ?? 0) + 1 }), {});
    const committed = records.filter((r) => r.outcome === 'committed');
    expect(committed, JSON.stringify(outcomes)).toHaveLength(6);
    expect(new Set(committed.map((r) => r.service)).size).toBe(6);
    expect(records.filter((r) => !['committed', 'budget-rejected', 'no-change'].includes(r.outcome ?? 'none')), JSON.stringify(outcomes)).toEqual([]);
    expect(committed.filter((r) => r.service === 'host-svc-0' || r.service === 'host-svc-1').length).toBeLessThanOrEqual(1);

    // Both hosts ran decisions and provisioned (each decision's workflow tasks name the worker process).
    const byWorker = new Map<string, number>();
    for (const r of records) {
      const h = await t.client.workflow.getHandle(r.workflowId, r.runId).fetchHistory();
      const ids = new Set(h.events!.map((e) => e.workflowTaskCompletedEventAttributes?.identity).filter((x): x is string => !!x));
      for (const id of ids) byWorker.set(id, (byWorker.get(id) ?? 0) + 1);
    }
    expect([...byWorker.keys()].sort()).toEqual(workers.map((w) => `test-worker-${w.pid}`).sort());

    // Replay the authority's history with this file's tree: no level ever over its limit.
    const { updates, continued } = await appliedUpdates(t, root);
    // 40 decisions stay far below the authority's continue-as-new threshold: one run holds them all.
    expect(continued).toBe(false);
    const committedRate = new Map<string, number>();
    const open = new Map<string, { service: string; monthly: number }>();
    let reservations = 0;
    for (const u of updates) {
      const id = u.arg.decisionId as string;
      if (u.name === 'reserve' && (u.result as ReservedBudget).budget.reserved) {
        reservations++;
        open.set(id, { service: u.arg.service as string, monthly: (u.arg.hourlyCostAfter as number) * H });
      } else if (u.name === 'commit' && u.result === true && open.has(id)) {
        committedRate.set(open.get(id)!.service, open.get(id)!.monthly);
        open.delete(id);
      } else if (u.name === 'release') {
        open.delete(id);
      }
      const spend = new Map<string, number>();
      for (const s of SERVICES) spend.set(s, committedRate.get(s) ?? 0);
      for (const r of open.values()) spend.set(r.service, r.monthly); // a running decision's reservation replaces its service's rate
      const atLevel = new Map<string, number>();
      for (const [s, m] of spend) for (const [level] of levelsOf(s)) atLevel.set(level, (atLevel.get(level) ?? 0) + m);
      for (const s of SERVICES) for (const [level, limit] of levelsOf(s)) expect(atLevel.get(level)!, `${level} after ${u.name} ${id}`).toBeLessThanOrEqual(limit + 1e-6);
    }
    expect(reservations).toBe(6);
    expect(open.size).toBe(0);
    expect(book.reservations).toEqual([]); // nothing left reserved
    expect(Object.values(book.committed).reduce((x, c) => x + c.monthly, 0)).toBeCloseTo(6 * EACH, 6);

    // Exactly one audit row per decision in the shared Postgres table, one chain.
    const db = new PgClient({ connectionString: pg.url });
    await db.connect();
    try {
      const rows = (await db.query<{ decision_id: string; seq: string }>('SELECT decision_id, seq FROM kinetic.audit_log ORDER BY seq')).rows;
      expect(rows.map((r) => r.decision_id).sort()).toEqual(records.map((r) => r.id).sort());
      expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      // Every decision's forecast, stored where reweighting reads it, whichever host made it.
      const predicted = (await db.query<{ id: string }>('SELECT id FROM kinetic.predictions')).rows.map((r) => r.id);
      expect(predicted.sort()).toEqual(records.map((r) => r.id).sort());
    } finally {
      await db.end();
    }
    for (const sb of [hostA, hostB]) {
      const { stdout } = await run(process.execPath, [path.join(REPO_ROOT, 'bin', 'kinetic.js'), 'audit', 'verify', '--json', '--config', sb.configPath], { env: process.env });
      expect(JSON.parse(stdout)).toMatchObject({ ok: true, sink: 'postgres', records: 40, chained: 40, head: { seq: 40 } });
    }

    // The committed pools run: 3 members + balancer each, started by whichever host provisioned them.
    for (const r of committed) {
      const dirs = [hostA, hostB].map((sb) => path.join(sb.stateRoot, 'pulumi', 'pools', r.service));
      expect(dirs.map((d) => processesOfPoolDir(d).length).reduce((a, b) => a + b, 0), r.service).toBe(4);
      expect(r.verification, r.service).toMatchObject({ ok: true, expected: 3, healthy: 3 });
      expect(r.provisioning, r.service).toMatchObject({ provisioner: 'pulumi-local', changed: true });
    }
    // Pulumi state lives in the bucket only: no host keeps a local state directory.
    for (const sb of [hostA, hostB]) expect(fs.existsSync(path.join(sb.stateRoot, 'pulumi', 'state'))).toBe(false);
    await Promise.all(workers.map(killWorker));
  }, 900_000);
});

import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DecisionRecord } from '../../decision/record';
import type { BudgetBookView, ReserveRequest } from '../../decision/budget-book';
import type { ReservedBudget } from '../../decision/review';
import { buildBudgetTree } from '../../planning/budget-hierarchy';
import { auditLogFor } from '../../store/audit';
import { budgetTaskQueue } from '../../workflows/budget-definitions';
import { appliedUpdates, authorityOf, bookOf } from '../helpers/budget';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';
import { killWorker, startWorkerProcess } from '../helpers/worker-process';

/**
 * The budget authority on the real dev server: atomic reservations from several worker processes,
 * idempotency by decision id, the sweep of orphaned reservations, alerts delivered with retries,
 * continue-as-new, and the seed from the audit log. The invariants are checked from the
 * authority's own history and book, not from the code that enforces them.
 */
let t: TestTemporal;
const children: ChildProcess[] = [];
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => {
  for (const c of children) await killWorker(c);
  await t?.close();
});

const H = 730.5;
const uniq = () => Math.random().toString(36).slice(2, 8);

/** A direct reserve request, as the saga's adapter would send it (single pool unless `tree` is given). */
const request = (decisionId: string, service: string, hourly: number, over: Partial<ReserveRequest> = {}): ReserveRequest => ({
  decisionId,
  service,
  pool: service,
  poolLimit: 100_000,
  hourlyCostBefore: 0,
  hourlyCostAfter: hourly,
  onExceed: 'reject',
  tags: {},
  dryRun: false,
  approval: { auto: true, reasons: [] },
  holder: { workflowId: `scale-${service}`, runId: 'not-a-run' },
  ...over,
});

async function waitFor<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`condition not met in time; last value: ${JSON.stringify(v).slice(0, 800)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('budget authority', () => {
  it('decisions from two worker processes reserving against one company limit never overspend it', async () => {
    const sb = createSandbox();
    const company = `acme-${uniq()}`;
    const services = Array.from({ length: 12 }, (_, i) => `bud-${i}`);
    // Each plan: 55 req/s → 6 instances × 0.1/h = 438.30/month. The company admits 4 of 12.
    const each = 6 * 0.1 * H;
    const limit = 4 * each + 100;
    sb.writeConfig(
      Object.fromEntries(services.map((s) => [s, serviceConfig(sb.csv(s, flat(55)))])),
      { budgets: { company: { name: company, monthly: limit } } },
    );
    const [a, b] = await Promise.all([startWorkerProcess(t.taskQueue, sb.configPath, children), startWorkerProcess(t.taskQueue, sb.configPath, children)]);
    const started = await Promise.all(services.map((s) => t.kinetic.startDecision(s, { timeouts: FAST_TIMEOUTS })));
    const records = await Promise.all(started.map((s) => t.kinetic.waitForDecision(s.decisionId)));
    const root = `company:${company}`;
    const book = await bookOf(t, root);
    await Promise.all([killWorker(a), killWorker(b)]);

    expect(records.filter((r) => r.outcome === 'committed')).toHaveLength(4);
    expect(records.filter((r) => r.outcome === 'budget-rejected')).toHaveLength(8);
    // Both processes ran decisions (each decision's workflow tasks name the worker that ran them).
    const identities = new Set<string>();
    for (const r of records) {
      const h = await t.client.workflow.getHandle(r.workflowId, r.runId).fetchHistory();
      for (const e of h.events ?? []) if (e.workflowTaskCompletedEventAttributes?.identity) identities.add(e.workflowTaskCompletedEventAttributes.identity.replace(/\/budget$/, ''));
    }
    expect(identities.size).toBe(2);

    // Replay the authority's own history: committed + open reservations never exceed the limit.
    const committed = new Map<string, number>();
    const open = new Map<string, { service: string; monthly: number }>();
    let peak = 0;
    let reservedCount = 0;
    for (const u of (await appliedUpdates(t, root)).updates) {
      const id = u.arg.decisionId as string;
      if (u.name === 'reserve' && (u.result as ReservedBudget).budget.reserved) {
        reservedCount++;
        open.set(id, { service: u.arg.service as string, monthly: (u.arg.hourlyCostAfter as number) * H });
      } else if (u.name === 'commit' && u.result === true && open.has(id)) {
        committed.set(open.get(id)!.service, open.get(id)!.monthly);
        open.delete(id);
      } else if (u.name === 'release') {
        open.delete(id);
      }
      const reservingServices = new Set([...open.values()].map((r) => r.service));
      const total = [...committed].filter(([s]) => !reservingServices.has(s)).reduce((x, [, m]) => x + m, 0) + [...open.values()].reduce((x, r) => x + r.monthly, 0);
      peak = Math.max(peak, total);
      expect(total).toBeLessThanOrEqual(limit + 1e-6);
    }
    expect(reservedCount).toBe(4);
    expect(peak).toBeCloseTo(4 * each, 6);
    // Nothing is left reserved, and the book agrees with the replay.
    expect(book.reservations).toEqual([]);
    expect(Object.values(book.committed).reduce((x, c) => x + c.monthly, 0)).toBeCloseTo(4 * each, 6);
    expect(book.closed.filter((c) => c.as === 'rejected')).toHaveLength(8);
  });

  it('is idempotent by decision id and never resurrects a committed or released reservation', async () => {
    const sb = createSandbox();
    const svc = `idem-${uniq()}`;
    sb.writeConfig({ [svc]: serviceConfig(sb.csv(svc, flat(10))) });
    const root = `pool:${svc}`;
    const authority = authorityOf(t);
    const handle = t.client.workflow.getHandle(authority.workflowId(root));
    // Another update id than the adapter's: the authority's book answers, not Temporal's update dedupe.
    const again = <T>(name: string, arg: unknown) => handle.executeUpdate<T, [unknown]>(name, { args: [arg] });
    const book = await withWorker(t, { configPath: sb.configPath }, async () => {
      // The same call twice at once (a retried step): one update, one reservation, one answer.
      const [r1, r2] = await Promise.all([authority.reserve(root, request('d1', svc, 0.5)), authority.reserve(root, request('d1', svc, 0.5))]);
      expect(r1).toEqual(r2);
      expect(r1.budget).toMatchObject({ allowed: true, reserved: true, projectedMonthly: 0.5 * H });
      expect(await again('reserve', request('d1', svc, 0.5))).toEqual(r1);
      expect((await bookOf(t, root)).reservations.map((r) => r.decisionId)).toEqual(['d1']);
      expect(await authority.commit(root, 'd1')).toBe(true);
      expect(await authority.commit(root, 'd1')).toBe(true);
      expect(await again('commit', { decisionId: 'd1' })).toBe(true);
      // A late reserve after commit gets the earlier answer, whatever it asks for now.
      expect(await again('reserve', request('d1', svc, 9))).toEqual(r1);
      await authority.reserve(root, request('d2', svc, 0.2));
      expect(await authority.release(root, 'd2')).toBe(true);
      expect(await again('release', { decisionId: 'd2' })).toBe(false);
      expect(await again('reserve', request('d2', svc, 0.2))).toMatchObject({ budget: { reserved: true } }); // the earlier answer…
      // A malformed request is refused by the validator and leaves no trace in history.
      await expect(authority.reserve(root, request('d3', svc, -1))).rejects.toThrow();
      return bookOf(t, root);
    });
    expect(book.reservations).toEqual([]); // …but nothing is held again
    expect(book.committed[svc]).toMatchObject({ decisionId: 'd1', monthly: 0.5 * H });
    expect(Object.fromEntries(book.closed.map((c) => [c.decisionId, c.as]))).toEqual({ d1: 'committed', d2: 'released' });
    const applied = ((await appliedUpdates(t, root)).updates).map((u) => `${u.name}:${u.arg.decisionId}`);
    expect(applied).toEqual(['reserve:d1', 'reserve:d1', 'commit:d1', 'commit:d1', 'reserve:d1', 'reserve:d2', 'release:d2', 'release:d2', 'reserve:d2']);
  });

  it('a call reaches the running authority as a plain Update, and starts a new one when an operator terminated it', async () => {
    const sb = createSandbox();
    const svc = `restart-${uniq()}`;
    sb.writeConfig({ [svc]: serviceConfig(sb.csv(svc, flat(10))) });
    const root = `pool:${svc}`;
    const authority = authorityOf(t);
    const handle = t.client.workflow.getHandle(authority.workflowId(root));
    const book = await withWorker(t, { configPath: sb.configPath }, async () => {
      await authority.reserve(root, request('r1', svc, 0.5)); // no authority yet: started by this call
      const first = (await handle.describe()).runId;
      await authority.commit(root, 'r1');
      await authority.reserve(root, request('r2', svc, 0.25));
      expect((await handle.describe()).runId).toBe(first); // the running one, not a new start
      await handle.terminate('operator restarts the authority');
      // The next call finds no running authority and starts one, which seeds its book afresh.
      const r3 = await authority.reserve(root, request('r3', svc, 0.1));
      expect(r3.budget).toMatchObject({ allowed: true, reserved: true });
      const second = await handle.describe();
      expect(second.runId).not.toBe(first);
      expect(second.status.name).toBe('RUNNING');
      return bookOf(t, root);
    });
    expect(book.reservations.map((r) => r.decisionId)).toEqual(['r3']);
  });

  it('releases, with the reason, the reservation of a decision terminated while holding it', async () => {
    const sb = createSandbox();
    const svc = `term-${uniq()}`;
    // autoApprove.maxStepChange 0: the decision waits for a person while holding its reservation.
    sb.writeConfig({ [svc]: serviceConfig(sb.csv(svc, flat(55)), { approval: { autoApprove: { maxStepChange: 0 }, approvers: ['alice@example.com'], timeout: '10m' } }) });
    const root = `pool:${svc}`;
    const book = await withWorker(t, { configPath: sb.configPath }, async () => {
      await authorityOf(t).start(root, { sweepSeconds: 1 });
      const s = await t.kinetic.startDecision(svc, { timeouts: FAST_TIMEOUTS });
      await waitFor(() => t.kinetic.getDecision(s.decisionId), (r) => r.stage === 'approval');
      // Several sweeps pass while the decision runs: its reservation stays.
      await new Promise((r) => setTimeout(r, 3500));
      expect((await bookOf(t, root)).reservations.map((r) => r.decisionId)).toEqual([s.decisionId]);
      await t.client.workflow.getHandle(s.workflowId, s.runId).terminate('operator gave up');
      return waitFor(() => bookOf(t, root), (b) => b.reservations.length === 0);
    });
    const closed = book.closed[0];
    expect(closed).toMatchObject({ as: 'released' });
    expect(closed.reason).toMatch(new RegExp(`decision workflow scale-${svc} \\(run [\\w-]+\\) ended TERMINATED at .* without committing or releasing its reservation`));
    expect(book.swept).toEqual([expect.objectContaining({ decisionId: closed.decisionId, service: svc, reason: closed.reason, monthly: 6 * 0.1 * H })]);
  });

  it('fires each alert once per threshold and month, and delivers it at least once through retries', async () => {
    const hits: Array<{ key: string; header: string; status: number }> = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const alert = JSON.parse(body) as { key: string; idempotencyKey: string };
        // The first two attempts of every alert fail: the activity must retry.
        const status = hits.filter((h) => h.key === alert.key).length < 2 ? 503 : 200;
        hits.push({ key: alert.key, header: String(req.headers['idempotency-key']), status });
        expect(alert.idempotencyKey).toBe(req.headers['idempotency-key']);
        res.statusCode = status;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const sb = createSandbox();
      const company = `alerts-${uniq()}`;
      const svc = `alert-${uniq()}`;
      sb.writeConfig({ [svc]: serviceConfig(sb.csv(svc, flat(10)), { budget: { monthly: 1000 } }) }, { budgets: { company: { name: company, monthly: 100_000 } } });
      const root = `company:${company}`;
      const webhook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const tree = buildBudgetTree({ company: { name: company, monthly: 100_000 }, departments: {}, projects: {}, services: { [svc]: { monthly: 1000 } } });
      const limits = { tree, alerts: { thresholds: [0.8, 0.9], webhook } };
      const authority = authorityOf(t);
      const book = await withWorker(t, { configPath: sb.configPath }, async () => {
        await authority.start(root, { alertRetrySeconds: 0.2 });
        const r1 = await authority.reserve(root, request('a1', svc, 850 / H, limits)); // 85%: the 80% alert
        expect(r1.budget.alerts).toEqual([expect.stringMatching(/has reached 85\.0% of its .* budget .*past the 80% alert/)]);
        await authority.commit(root, 'a1');
        expect((await authority.reserve(root, request('a2', svc, 880 / H, limits))).budget.alerts).toEqual([]); // still only 80%
        await authority.commit(root, 'a2');
        expect((await authority.reserve(root, request('a3', svc, 950 / H, limits))).budget.alerts).toHaveLength(1); // 95%: the 90% alert
        await authority.release(root, 'a3');
        expect(await authority.checkAlerts(root, limits)).toEqual([]); // the scheduled check finds nothing new
        return waitFor(() => bookOf(t, root), (b) => Object.values(b.alerts).length === 2 && Object.values(b.alerts).every((a) => a.delivery));
      });
      const month = new Date().toISOString().slice(0, 7);
      const keys = [`${month}:service:${svc}:0.8`, `${month}:service:${svc}:0.9`];
      expect(Object.keys(book.alerts).sort()).toEqual(keys);
      for (const key of keys) {
        expect(book.alerts[key].delivery).toMatchObject({ ok: true, attempts: 3, detail: 'HTTP 200' });
        const mine = hits.filter((h) => h.key === key);
        expect(mine.map((h) => h.status)).toEqual([503, 503, 200]);
        // Every attempt carries the same key: the receiver can drop the duplicates.
        expect(new Set(mine.map((h) => h.header))).toEqual(new Set([`${authority.workflowId(root)}/${key}`]));
      }
    } finally {
      server.close();
    }
  });

  it('continues as new before the history grows large and keeps its book', async () => {
    const sb = createSandbox();
    const svc = `can-${uniq()}`;
    sb.writeConfig({ [svc]: serviceConfig(sb.csv(svc, flat(10))) });
    const root = `pool:${svc}`;
    const authority = authorityOf(t);
    const handle = t.client.workflow.getHandle(authority.workflowId(root));
    const [book, firstRun, lastRun, before] = await withWorker(t, { configPath: sb.configPath }, async () => {
      await authority.start(root, { maxHistoryEvents: 40 });
      const firstRun = (await handle.describe()).runId;
      const held = await authority.reserve(root, request('held', `${svc}-h`, 0.1));
      const before = await authority.reserve(root, request('c0', svc, 0.3));
      await authority.commit(root, 'c0');
      for (let i = 1; i <= 15; i++) {
        await authority.reserve(root, request(`c${i}`, svc, 0.3));
        await authority.commit(root, `c${i}`);
      }
      expect(held.budget.reserved).toBe(true);
      // The reservation made in the first run is committed in a later one.
      expect(await authority.commit(root, 'held')).toBe(true);
      return [await bookOf(t, root), firstRun, (await handle.describe()).runId, before] as const;
    });
    expect(lastRun).not.toBe(firstRun);
    const runs: string[] = [];
    for await (const w of t.client.workflow.list({ query: `WorkflowId = "${authority.workflowId(root)}"` })) runs.push(w.status.name);
    expect(runs.filter((s) => s === 'CONTINUED_AS_NEW').length).toBeGreaterThanOrEqual(1);
    expect(book.committed[svc]).toMatchObject({ decisionId: 'c15', monthly: 0.3 * H });
    expect(book.committed[`${svc}-h`]).toMatchObject({ decisionId: 'held', monthly: 0.1 * H });
    expect(book.reservations).toEqual([]);
    expect(book.closed.map((c) => c.decisionId)).toEqual(expect.arrayContaining(['held', 'c0', 'c15']));
    expect(book.seed).toBeDefined(); // carried from the first run
    // A late retry of the first run's reserve still gets its earlier answer.
    const late = await withWorker(t, { configPath: sb.configPath }, () => handle.executeUpdate('reserve', { args: [request('c0', svc, 0.3)] }));
    expect(late).toEqual(before);
  });

  it("seeds a new authority's run-rates from each service's newest committed decision in the audit log", async () => {
    const sb = createSandbox();
    const [web, api] = [`seed-web-${uniq()}`, `seed-api-${uniq()}`];
    const pool = `seed-pool-${uniq()}`;
    sb.writeConfig({
      [web]: serviceConfig(sb.csv(web, flat(10)), { budget: { monthly: 1000, pool } }),
      [api]: serviceConfig(sb.csv(api, flat(10)), { budget: { monthly: 1000, pool } }),
    });
    const audit = auditLogFor(sb.configPath);
    const rec = (id: string, service: string, outcome: string, finishedAt: string, hourly: number) =>
      ({ id, service, workflowId: `scale-${service}`, runId: id, trigger: { kind: 'test' }, dryRun: false, stage: 'done', outcome, finishedAt, plan: { hourlyCostAfter: hourly }, compensation: [], timings: {} }) as unknown as DecisionRecord;
    await audit.append(rec('w-old', web, 'committed', '2026-11-01T00:00:00Z', 0.2));
    await audit.append(rec('w-new', web, 'committed', '2026-11-02T00:00:00Z', 0.4));
    await audit.append(rec('w-rb', web, 'rolled-back', '2026-11-03T00:00:00Z', 9));
    await audit.append(rec('a-1', api, 'budget-rejected', '2026-11-02T00:00:00Z', 9));
    const book: BudgetBookView = await withWorker(t, { configPath: sb.configPath }, async () => {
      // api's first decision: 0.6/h = 438.3 + web's seeded 292.2 > 700 → the pool check counts the seed.
      const r = await authorityOf(t).reserve(`pool:${pool}`, request('api-1', api, 0.6, { pool, poolLimit: 700 }));
      expect(r.budget).toMatchObject({ allowed: false });
      expect(r.budget.message).toMatch(/others 292\.20/);
      return bookOf(t, `pool:${pool}`);
    });
    expect(book.committed).toEqual({ [web]: { service: web, pool, monthly: 0.4 * H, decisionId: 'w-new', at: '2026-11-02T00:00:00Z' } });
    expect(book.seed?.note).toMatch(/run-rates of 1 of 2 service\(s\)/);
  });

  it('every authority history of this file (updates, sweeps, alert deliveries, continue-as-new) replays against the current code', async () => {
    const histories = t.client.workflow.list({ query: `WorkflowType = "budgetAuthority" AND TaskQueue = "${budgetTaskQueue(t.taskQueue)}"` }).intoHistories();
    const results = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle: { codePath: inject('workflowBundlePath') } }, histories)) results.push(r);
    expect(results.length).toBeGreaterThanOrEqual(6);
    expect(results.filter((r) => r.error).map((r) => `${r.workflowId}: ${r.error}`)).toEqual([]);
  });
});

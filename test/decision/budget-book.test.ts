import { describe, expect, it } from 'vitest';
import {
  budgetRoot, commit, emptyBook, fireDueAlerts, poolUsage, prune, recheckReservation, release, reserve, spendOf, viewOf, type BudgetBook, type ReserveRequest,
} from '../../decision/budget-book';
import { buildBudgetTree } from '../../planning/budget-hierarchy';

/** The budget authority's book: its transitions without Temporal (the workflow applies them one at a time). */
const NOW = Date.parse('2026-11-20T10:00:00Z');
const MONTH = '2026-11';
const H = 730.5;

const tree = buildBudgetTree({
  company: { name: 'acme', monthly: 10_000 },
  departments: { eng: { monthly: 5_000 } },
  projects: { shop: { monthly: 1_000, department: 'eng' } },
  services: { web: { monthly: 800, project: 'shop' }, api: { monthly: 800, project: 'shop' } },
});

/** A request whose plan costs `hourly` per hour after the change (0 before). */
const req = (decisionId: string, service: string, hourly: number, over: Partial<ReserveRequest> = {}): ReserveRequest => ({
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
  holder: { workflowId: `scale-${service}`, runId: `run-${decisionId}` },
  ...over,
});
const monthly = (book: BudgetBook) => Object.values(book.reservations).reduce((a, r) => a + r.monthly, 0);

describe('reserve, commit, release', () => {
  it('is idempotent by decision id, and a reserve after commit or release returns the earlier result without resurrecting it', () => {
    const b = emptyBook('pool:p');
    const first = reserve(b, req('d1', 'web', 0.1, { pool: 'p' }), NOW, MONTH).result;
    expect(first.budget).toMatchObject({ allowed: true, reserved: true, projectedMonthly: 0.1 * H });
    expect(reserve(b, req('d1', 'web', 0.1, { pool: 'p' }), NOW + 1, MONTH).result).toBe(first);
    expect(Object.keys(b.reservations)).toEqual(['d1']);
    expect(poolUsage(b, 'p', 'api', 'dx')).toEqual({ committedOthers: 0, reservedOthers: 0.1 * H });

    expect(commit(b, 'd1', NOW + 2)).toBe(true);
    expect(commit(b, 'd1', NOW + 3)).toBe(true); // a retried commit reports the same
    expect(reserve(b, req('d1', 'web', 0.1, { pool: 'p' }), NOW + 4, MONTH).result).toEqual(first);
    expect(b.reservations).toEqual({});
    expect(release(b, 'd1', NOW + 5)).toBe(false); // release after commit changes nothing
    expect(b.committed.web).toMatchObject({ monthly: 0.1 * H, decisionId: 'd1', pool: 'p' });
    expect(poolUsage(b, 'p', 'api', 'dx')).toEqual({ committedOthers: 0.1 * H, reservedOthers: 0 });

    reserve(b, req('d2', 'api', 0.05, { pool: 'p' }), NOW, MONTH);
    expect(release(b, 'd2', NOW + 6)).toBe(true);
    expect(release(b, 'd2', NOW + 7)).toBe(false);
    expect(reserve(b, req('d2', 'api', 0.05, { pool: 'p' }), NOW + 8, MONTH).result.budget.reserved).toBe(true); // the earlier answer…
    expect(b.reservations).toEqual({}); // …but nothing is held again
    expect(commit(b, 'd2', NOW + 9)).toBe(false);
    expect(b.committed.api).toBeUndefined();
  });

  it('a release that overtakes its reserve makes the late reserve hold nothing', () => {
    const b = emptyBook('pool:web');
    expect(release(b, 'd1', NOW)).toBe(false);
    const late = reserve(b, req('d1', 'web', 0.1), NOW + 1, MONTH).result;
    expect(late.budget).toMatchObject({ allowed: false, reserved: false, released: true });
    expect(late.budget.message).toMatch(/already released/);
    expect(b.reservations).toEqual({});
  });

  it('checks the pool against committed run-rates plus open reservations; a rejection is final for its decision id', () => {
    const b = emptyBook('pool:p');
    const p = { pool: 'p', poolLimit: 600 };
    reserve(b, req('a', 'web', 300 / H, p), NOW, MONTH);
    commit(b, 'a', NOW);
    reserve(b, req('b', 'api', 200 / H, p), NOW, MONTH); // open: 300 committed + 200 pending
    const over = reserve(b, req('c', 'db', 150 / H, p), NOW, MONTH).result;
    expect(over.budget).toMatchObject({ allowed: false, reserved: false });
    expect(over.budget.projectedTotal).toBeCloseTo(650, 9);
    expect(over.budget.message).toMatch(/this service 150\.00 \+ others 300\.00 \+ pending 200\.00/);
    release(b, 'b', NOW);
    // The same decision asked again gets the same answer even though it would now fit.
    expect(reserve(b, req('c', 'db', 150 / H, p), NOW, MONTH).result).toBe(over);
    expect(reserve(b, req('c2', 'db', 150 / H, p), NOW, MONTH).result.budget.allowed).toBe(true);
  });

  it("a running decision's reservation replaces its service's committed run-rate instead of adding to it", () => {
    const b = emptyBook('company:acme');
    reserve(b, req('w1', 'web', 500 / H, { tree }), NOW, MONTH);
    commit(b, 'w1', NOW);
    reserve(b, req('w2', 'web', 700 / H, { tree }), NOW, MONTH);
    expect(spendOf(b)).toEqual({ committed: {}, reservations: [{ decisionId: 'w2', service: 'web', monthly: 700 }] });
    // shop: web's 700 pending + api's 350 = 1,050 > 1,000.
    const api = reserve(b, req('a1', 'api', 350 / H, { tree }), NOW, MONTH).result;
    expect(api.budget.allowed).toBe(false);
    expect(api.budget.levels!.find((l) => l.id === 'project:shop')).toMatchObject({ allowed: false, projected: 1050 });
    expect(api.budget.chargeback!.path).toEqual(['service:api', 'project:shop', 'department:eng', 'company:acme']);
  });

  it('a dry run is checked but holds and closes nothing', () => {
    const b = emptyBook('pool:web');
    expect(reserve(b, req('d', 'web', 0.1, { dryRun: true }), NOW, MONTH).result.budget).toMatchObject({ allowed: true, reserved: false });
    expect(b.reservations).toEqual({});
    expect(b.closed).toEqual({});
  });

  it('over budget with require-approval reserves and sends the decision to a person; a cheaper plan is never blocked', () => {
    const b = emptyBook('pool:web');
    const sent = reserve(b, req('d', 'web', 2, { poolLimit: 100, onExceed: 'require-approval' }), NOW, MONTH).result;
    expect(sent.budget).toMatchObject({ allowed: true, reserved: true });
    expect(sent.approval.auto).toBe(false);
    expect(sent.approval.reasons[0]).toMatch(/^budget: .*exceeds the web budget/);
    const cheaper = reserve(b, req('e', 'api', 1, { pool: 'web', poolLimit: 100, hourlyCostBefore: 3 }), NOW, MONTH).result;
    expect(cheaper.budget).toMatchObject({ allowed: true, reserved: true });
    expect(monthly(b)).toBeCloseTo(3 * H, 9);
  });
});

describe('alerts', () => {
  it('fire once per budget, threshold and month, whoever crosses them', () => {
    const b = emptyBook('company:acme');
    const limits = { tree, alerts: { thresholds: [0.8, 0.9] } };
    expect(reserve(b, req('a1', 'api', 100 / H, limits), NOW, MONTH).fired).toEqual([]);
    commit(b, 'a1', NOW);
    // web at 780/month: service:web 97.5% (both thresholds), project:shop 88% (0.8).
    const { result, fired } = reserve(b, req('w1', 'web', 780 / H, limits), NOW, MONTH);
    expect(fired.map((a) => a.key)).toEqual(['2026-11:project:shop:0.8', '2026-11:service:web:0.8', '2026-11:service:web:0.9']);
    expect(result.budget.alerts).toEqual(fired.map((a) => a.message));
    expect(fired.every((a) => a.decisionId === 'w1' && a.firedAt === '2026-11-20T10:00:00.000Z')).toBe(true);
    commit(b, 'w1', NOW);
    expect(reserve(b, req('w2', 'web', 790 / H, limits), NOW, MONTH).fired).toEqual([]);
    expect(fireDueAlerts(b, limits, MONTH, NOW)).toEqual([]);
    // A new month starts over (the scheduled check fires what still stands).
    expect(fireDueAlerts(b, limits, '2026-12', NOW).map((a) => a.key)).toEqual(['2026-12:project:shop:0.8', '2026-12:service:web:0.8', '2026-12:service:web:0.9']);
    expect(Object.keys(b.alerts)).toHaveLength(6);
  });

  it('a pool without a tree fires none', () => {
    const b = emptyBook('pool:web');
    expect(reserve(b, req('d', 'web', 1, { poolLimit: 100 }), NOW, MONTH).fired).toEqual([]);
  });
});

describe('prune and view', () => {
  it('keeps the book small for continue-as-new without forgetting what a late retry needs', () => {
    const b = emptyBook('pool:web');
    for (let i = 0; i < 8; i++) {
      reserve(b, req(`d${i}`, 'web', 0.1), NOW + i * 1000, MONTH);
      commit(b, `d${i}`, NOW + i * 1000);
    }
    b.closed.old = { as: 'released', at: new Date(NOW - 8 * 86_400_000).toISOString() };
    b.alerts['2026-09:service:web:0.8'] = { key: '2026-09:service:web:0.8', delivery: { ok: true, attempts: 1, detail: 'HTTP 200', at: '' } } as never;
    b.alerts['2026-09:service:web:0.9'] = { key: '2026-09:service:web:0.9' } as never; // not delivered yet: kept
    b.alerts['2026-10:service:web:0.8'] = { key: '2026-10:service:web:0.8', delivery: { ok: true } } as never;
    prune(b, NOW + 8000, MONTH, { closedMs: 7 * 86_400_000, maxClosed: 6, maxResults: 3, maxSwept: 1 });
    expect(Object.keys(b.closed).sort()).toEqual(['d2', 'd3', 'd4', 'd5', 'd6', 'd7']);
    expect(['d7', 'd6', 'd5'].every((id) => b.closed[id].result)).toBe(true);
    expect(b.closed.d4).toEqual({ as: 'committed', at: b.closed.d4.at });
    // A pruned result still never resurrects: the retry hears "already committed".
    expect(reserve(b, req('d4', 'web', 0.1), NOW, MONTH).result.budget.message).toMatch(/already committed/);
    expect(Object.keys(b.alerts).sort()).toEqual(['2026-09:service:web:0.9', '2026-10:service:web:0.8']);
  });

  it('the view leaves results out and lists closed decisions newest first; roots are the company or the pool', () => {
    const b = emptyBook('pool:web');
    reserve(b, req('a', 'web', 0.1), NOW, MONTH);
    reserve(b, req('b', 'api', 0.1, { pool: 'web' }), NOW, MONTH);
    release(b, 'a', NOW + 1000, 'decision workflow scale-web (run r) ended TERMINATED');
    const v = viewOf(b);
    expect(v.reservations).toEqual([{ decisionId: 'b', service: 'api', pool: 'web', monthly: 0.1 * H, at: new Date(NOW).toISOString(), holder: { workflowId: 'scale-api', runId: 'run-b' } }]);
    expect(v.closed[0]).toEqual({ decisionId: 'a', as: 'released', at: new Date(NOW + 1000).toISOString(), reason: 'decision workflow scale-web (run r) ended TERMINATED' });
    expect(v.swept).toEqual([{ decisionId: 'a', service: 'web', monthly: 0.1 * H, at: new Date(NOW + 1000).toISOString(), reason: 'decision workflow scale-web (run r) ended TERMINATED' }]);
    expect(JSON.stringify(v)).not.toMatch(/"result"/);
    expect(budgetRoot(tree, 'web')).toBe('company:acme');
    expect(budgetRoot(undefined, 'team-a')).toBe('pool:team-a');
  });
});

describe('re-checking a held reservation against today\'s limits', () => {
  it('fits while the limits hold, names each budget it no longer fits once they are lowered, and ignores what is not held', () => {
    const b = emptyBook('company:acme');
    // web holds 0.5/h = 365.25/month; api committed 0.4/h = 292.2/month; project shop limit 1,000.
    reserve(b, req('a1', 'api', 0.4, { tree }), NOW, MONTH);
    commit(b, 'a1', NOW);
    reserve(b, req('w1', 'web', 0.5, { tree }), NOW, MONTH);
    expect(recheckReservation(b, req('w1', 'web', 0.5, { tree })).failures).toEqual([]);

    // The project is lowered to 600 while web's decision waits: 365.25 + 292.2 = 657.45 > 600.
    const lowered = buildBudgetTree({
      company: { name: 'acme', monthly: 10_000 },
      departments: { eng: { monthly: 5_000 } },
      projects: { shop: { monthly: 600, department: 'eng' } },
      services: { web: { monthly: 800, project: 'shop' }, api: { monthly: 800, project: 'shop' } },
    });
    const failures = recheckReservation(b, req('w1', 'web', 0.5, { tree: lowered })).failures;
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/^project shop: projected 657\.45\/month .* over by 57\.45/);
    // The pool limit is checked too (web's own pool now 300 a month).
    expect(recheckReservation(b, req('w1', 'web', 0.5, { poolLimit: 300 })).failures[0]).toMatch(/exceeds the web budget of 300\.00/);
    // Nothing held (a dry run, or a decision already closed): nothing to re-check.
    expect(recheckReservation(b, req('a1', 'api', 0.4, { tree: lowered })).failures).toEqual([]);
    expect(Object.keys(b.reservations)).toEqual(['w1']); // read-only
  });
});

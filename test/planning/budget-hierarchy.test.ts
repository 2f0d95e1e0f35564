import { describe, expect, it } from 'vitest';
import {
  alertsToFire, BudgetTreeInput, buildBudgetTree, checkHierarchy, pathOf, Spend, spendByNode,
} from '../../planning/budget-hierarchy';

const input: BudgetTreeInput = {
  company: { name: 'acme', monthly: 10_000 },
  departments: { eng: { monthly: 6_000 }, data: { monthly: 3_000 } },
  projects: { shop: { monthly: 2_000, department: 'eng' }, ml: { monthly: 2_500, department: 'data' } },
  // "shop" is both a project and a service: ids carry the level, so they do not collide.
  services: { checkout: { monthly: 1_000, project: 'shop' }, shop: { monthly: 800, project: 'shop' }, trainer: { monthly: 2_500, project: 'ml' }, edge: { monthly: 500 } },
};
const tree = buildBudgetTree(input);

describe('buildBudgetTree and pathOf', () => {
  it('links service → project → department → company', () => {
    expect(pathOf(tree, 'checkout').map((n) => n.id)).toEqual(['service:checkout', 'project:shop', 'department:eng', 'company:acme']);
    expect(pathOf(tree, 'edge').map((n) => n.id)).toEqual(['service:edge', 'company:acme']);
    // A service without a budget of its own still answers to the company.
    expect(pathOf(tree, 'unlisted').map((n) => n.id)).toEqual(['company:acme']);
    expect(tree.nodes['project:shop']).toEqual({ id: 'project:shop', name: 'shop', level: 'project', monthlyLimit: 2_000, parent: 'department:eng' });
  });

  it('names an unknown parent and a bad limit', () => {
    expect(() => buildBudgetTree({ ...input, projects: { web: { monthly: 1, department: 'marketing' } } }))
      .toThrow('budgets.projects.web.department "marketing" is not a department (known: eng, data)');
    expect(() => buildBudgetTree({ ...input, services: { api: { monthly: 1, project: 'nope' } } }))
      .toThrow('budgets.services.api.project "nope" is not a project (known: shop, ml)');
    expect(() => buildBudgetTree({ ...input, departments: { eng: { monthly: -5 } } })).toThrow(/budgets.departments.eng.monthly must be a number >= 0, got -5/);
  });
});

describe('checkHierarchy', () => {
  const spend: Spend = {
    committed: { checkout: 600, shop: 700, trainer: 1_000, edge: 100 },
    reservations: [
      { decisionId: 'd-self', service: 'checkout', monthly: 900 },
      { decisionId: 'd-other', service: 'shop', monthly: 50 },
    ],
  };

  it('replaces the service’s committed spend, counts others’ reservations, not its own', () => {
    const v = checkHierarchy(tree, 'checkout', 900, spend, 'd-self');
    expect(v.allowed).toBe(true);
    // shop: 900 (checkout, replaced) + 700 (shop) + 50 (reserved by d-other) = 1650.
    expect(v.levels.map((l) => [l.id, l.projected])).toEqual([
      ['service:checkout', 900], ['project:shop', 1650], ['department:eng', 1650], ['company:acme', 2750],
    ]);
    expect(v.levels[1]).toMatchObject({ level: 'project', limit: 2_000, pct: 82.5, allowed: true });
    expect(v.message).toBe('within all 4 budgets on the path of checkout (service:checkout → project:shop → department:eng → company:acme)');
  });

  it('rejects when any level on the path is over, naming it with the numbers', () => {
    const v = checkHierarchy(tree, 'checkout', 1_000, { ...spend, committed: { ...spend.committed, shop: 980 } }, 'd-self');
    expect(v.allowed).toBe(false);
    expect(v.levels.filter((l) => !l.allowed).map((l) => l.id)).toEqual(['project:shop']);
    expect(v.message).toBe('exceeds project shop: projected 2030.00/month is 101.5% of its budget of 2000.00, over by 30.00');
    // Without the exclusion the decision would count its own reservation against itself.
    expect(checkHierarchy(tree, 'checkout', 900, spend, 'another').levels[0].projected).toBe(1_800);
  });

  it('spendByNode adds committed and reserved spend up the tree', () => {
    const s = spendByNode(tree, spend);
    expect(s).toMatchObject({ 'service:checkout': 1_500, 'service:shop': 750, 'project:shop': 2_250, 'department:eng': 2_250, 'project:ml': 1_000, 'department:data': 1_000, 'service:edge': 100, 'company:acme': 3_350 });
    expect(s['service:trainer']).toBe(1_000);
  });
});

describe('alertsToFire', () => {
  const small = buildBudgetTree({ company: { name: 'acme', monthly: 1_000 }, departments: {}, projects: {}, services: { api: { monthly: 100 } } });
  const run = (fired: Set<string>, spend: Record<string, number>, month = '2026-11') => {
    const alerts = alertsToFire(small, spend, month, fired);
    for (const a of alerts) fired.add(a.key); // what the caller's ledger does
    return alerts.map((a) => a.key);
  };

  it('fires each threshold once per node per month across calls', () => {
    const fired = new Set<string>();
    expect(run(fired, { 'service:api': 70, 'company:acme': 70 })).toEqual([]);
    expect(run(fired, { 'service:api': 85, 'company:acme': 85 })).toEqual(['2026-11:service:api:0.8']);
    expect(run(fired, { 'service:api': 86, 'company:acme': 86 })).toEqual([]);
    // Past 90 and 95 at once: both fire, 80 does not again.
    expect(run(fired, { 'service:api': 96, 'company:acme': 96 })).toEqual(['2026-11:service:api:0.9', '2026-11:service:api:0.95']);
    // Dropping and rising again the same month fires nothing.
    expect(run(fired, { 'service:api': 40, 'company:acme': 40 })).toEqual([]);
    expect(run(fired, { 'service:api': 99, 'company:acme': 99 })).toEqual([]);
    // A new month starts over; the company crosses 80% too.
    expect(run(fired, { 'service:api': 97, 'company:acme': 820 }, '2026-12')).toEqual([
      '2026-12:company:acme:0.8', '2026-12:service:api:0.8', '2026-12:service:api:0.9', '2026-12:service:api:0.95',
    ]);
  });

  it('crossing 80 and 95 at once fires all three, with the numbers in the message', () => {
    const alerts = alertsToFire(small, { 'service:api': 95 }, '2026-11', new Set());
    expect(alerts.map((a) => a.threshold)).toEqual([0.8, 0.9, 0.95]);
    expect(alerts[2]).toMatchObject({ nodeId: 'service:api', level: 'service', pct: 95, amount: 95, limit: 100 });
    expect(alerts[2].message).toBe('service api has reached 95.0% of its 2026-11 budget (95.00 of 100.00), past the 95% alert');
  });

  it('works from spendByNode and names a bad month', () => {
    const byNode = spendByNode(small, { committed: { api: 50 }, reservations: [{ decisionId: 'd', service: 'api', monthly: 35 }] });
    expect(alertsToFire(small, byNode, '2026-11', new Set()).map((a) => a.key)).toEqual(['2026-11:service:api:0.8']);
    expect(() => alertsToFire(small, byNode, '2026-13', new Set())).toThrow("month must be 'YYYY-MM' (e.g. 2026-11), got '2026-13'");
    expect(() => alertsToFire(small, byNode, 'Nov 2026', new Set())).toThrow(/month must be 'YYYY-MM'/);
  });
});

import { describe, expect, it } from 'vitest';
import { buildBudgetTree } from '../../planning/budget-hierarchy';
import { chargeback, CommittedDecision, monthRange } from '../../planning/chargeback';

const t = (iso: string) => Date.parse(iso);
const records: CommittedDecision[] = [
  { decisionId: 'a0', service: 'api', finishedAt: '2026-10-01T00:00:00Z', hourlyCostAfter: 9 }, // superseded in October
  { decisionId: 'a1', service: 'api', finishedAt: '2026-10-20T00:00:00Z', hourlyCostAfter: 1 },
  { decisionId: 'a2', service: 'api', finishedAt: '2026-11-10T00:00:00Z', hourlyCostAfter: 2 },
  { decisionId: 'a3', service: 'api', finishedAt: '2026-12-02T00:00:00Z', hourlyCostAfter: 5 },
  { decisionId: 'w1', service: 'web', finishedAt: '2026-11-15T12:00:00Z', hourlyCostAfter: 0.5 },
];

describe('chargeback', () => {
  it('charges each decision from its finish (or the month start) to the next decision (or the month end)', () => {
    const r = chargeback(records, '2026-11', t('2026-12-15T00:00:00Z'));
    expect(r.decisions).toEqual([
      { decisionId: 'a1', service: 'api', from: '2026-11-01T00:00:00.000Z', to: '2026-11-10T00:00:00.000Z', hours: 216, cost: 216 },
      { decisionId: 'a2', service: 'api', from: '2026-11-10T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z', hours: 504, cost: 1008 },
      { decisionId: 'w1', service: 'web', from: '2026-11-15T12:00:00.000Z', to: '2026-12-01T00:00:00.000Z', hours: 372, cost: 186 },
    ]);
    expect(r.byService).toEqual({ api: 1224, web: 186 });
    expect(r.byNode).toBeUndefined();
  });

  it('stops at now inside the month', () => {
    const r = chargeback(records, '2026-11', t('2026-11-12T00:00:00Z'));
    expect(r.decisions.map((d) => [d.decisionId, d.hours])).toEqual([['a1', 216], ['a2', 48]]);
    expect(chargeback(records, '2026-11', t('2026-10-25T00:00:00Z')).decisions).toEqual([]);
  });

  it('rolls over the year: December runs to 1 January UTC', () => {
    expect(monthRange('2026-12')).toEqual({ start: t('2026-12-01T00:00:00Z'), end: t('2027-01-01T00:00:00Z') });
    const r = chargeback(records, '2026-12', t('2027-02-01T00:00:00Z'));
    expect(r.decisions.map((d) => [d.decisionId, d.hours])).toEqual([['a2', 24], ['a3', 30 * 24], ['w1', 31 * 24]]);
  });

  it('sums by budget node through the tree, and is the same whatever the input order', () => {
    const tree = buildBudgetTree({
      company: { name: 'acme', monthly: 10_000 },
      departments: { eng: { monthly: 5_000 } },
      projects: { shop: { monthly: 3_000, department: 'eng' } },
      services: { api: { monthly: 2_000, project: 'shop' } },
    });
    const r = chargeback([...records].reverse(), '2026-11', t('2026-12-15T00:00:00Z'), tree);
    expect(r).toEqual({ ...chargeback(records, '2026-11', t('2026-12-15T00:00:00Z')), byNode: r.byNode });
    // web has no budget of its own: it is charged to the company only.
    expect(r.byNode).toEqual({ 'company:acme': 1410, 'department:eng': 1224, 'project:shop': 1224, 'service:api': 1224 });
  });

  it('names the format of a bad month and a bad time', () => {
    expect(() => chargeback(records, '2026-1', 0)).toThrow("month must be 'YYYY-MM' (e.g. 2026-11), got '2026-1'");
    expect(() => chargeback([{ ...records[0], finishedAt: 'yesterday' }], '2026-11', 0))
      .toThrow("decision a0: finishedAt must be an ISO-8601 time like 2026-11-22T10:00:00Z, got 'yesterday'");
  });
});

import { join } from 'node:path';
import type { LoadedConfig } from '../config/load';
import { projectedMonthlyCost } from '../planning/budget';
import { BudgetNode, spendByNode } from '../planning/budget-hierarchy';
import { chargeback, DecisionCharge } from '../planning/chargeback';
import type { BudgetBookView, FiredAlert, SweptReservation } from '../decision/budget-book';
import type { DecisionRecord } from '../decision/record';
import { budgetTree } from './planning-spec';

/**
 * The month's budget picture: each budget node's limit, committed run-rate, pending reservations and
 * what has accrued so far (chargeback of committed decisions), the alerts fired, and the cost of
 * each decision. Built from the budget authorities' books (their Query) and the audit log; shared by
 * `kinetic budget report` and the scheduled budget-report workflow.
 */
export interface BudgetReportRow {
  id: string;
  level: string;
  name: string;
  parent?: string;
  limit: number;
  /** Committed run-rate × hours of a month. */
  committedMonthly: number;
  reservedMonthly: number;
  /** Projected run-rate (running decisions' reservations replacing their services' committed) / limit, in percent. */
  pct: number;
  /** Spend accrued this month from committed decisions (up to now). */
  accrued: number;
  alerts: string[];
}

export interface BudgetReportData {
  month: string;
  generatedAt: string;
  nodes: BudgetReportRow[];
  decisions: DecisionCharge[];
  alerts: FiredAlert[];
  /** Reservations an authority released itself because their decision closed without commit or release. */
  released: SweptReservation[];
}

/** `books`: every root's book (one for the company, or one per pool); `decisions`: the audit log's records. */
export function buildBudgetReport(cfg: LoadedConfig, books: BudgetBookView[], decisions: DecisionRecord[], month: string, now: number): BudgetReportData {
  const committed: Record<string, number> = {};
  for (const b of books) for (const c of Object.values(b.committed)) committed[c.service] = c.monthly;
  // A service never decided yet runs at its initial size at its configured price.
  for (const [name, svc] of Object.entries(cfg.services)) {
    if (committed[name] === undefined && svc.pricing) committed[name] = projectedMonthlyCost(svc.minInstances, svc.pricing.hourlyPerInstance);
  }
  // Projected as the budget check sees it: a running decision's reservation replaces its service's run-rate.
  const reservations = books.flatMap((b) => b.reservations.map((r) => ({ decisionId: r.decisionId, service: r.service, monthly: r.monthly })));
  const reserving = new Set(reservations.map((r) => r.service));
  const projectedSpend = { committed: Object.fromEntries(Object.entries(committed).filter(([s]) => !reserving.has(s))), reservations };
  const committedDecisions = decisions
    .filter((r) => r.outcome === 'committed' && r.finishedAt && r.plan)
    .map((r) => ({ decisionId: r.id, service: r.service, finishedAt: r.finishedAt!, hourlyCostAfter: r.plan!.hourlyCostAfter }));
  const tree = budgetTree(cfg);
  const charges = chargeback(committedDecisions, month, now, tree);
  const alerts = books.flatMap((b) => Object.values(b.alerts)).filter((a) => a.key.startsWith(`${month}:`));

  const nodes: BudgetNode[] = tree
    ? Object.values(tree.nodes)
    : Object.entries(cfg.services).map(([name, s]) => ({ id: `service:${name}`, level: 'service' as const, name, monthlyLimit: s.budget.monthly }));
  const committedBy = tree ? spendByNode(tree, { committed, reservations: [] }) : prefixed(committed);
  const reservedBy = tree ? spendByNode(tree, { committed: {}, reservations }) : prefixed(sumBy(reservations));
  const projectedBy = tree ? spendByNode(tree, projectedSpend) : prefixed({ ...projectedSpend.committed, ...sumBy(reservations) });
  const accruedBy = charges.byNode ?? prefixed(charges.byService);
  const order = ['company', 'department', 'project', 'service'];
  const rows = nodes
    .map((n): BudgetReportRow => {
      const committedMonthly = committedBy[n.id] ?? 0;
      const reservedMonthly = reservedBy[n.id] ?? 0;
      return {
        id: n.id,
        level: n.level,
        name: n.name,
        parent: n.parent,
        limit: n.monthlyLimit,
        committedMonthly,
        reservedMonthly,
        pct: n.monthlyLimit > 0 ? ((projectedBy[n.id] ?? 0) / n.monthlyLimit) * 100 : 0,
        accrued: accruedBy[n.id] ?? 0,
        alerts: alerts.filter((a) => a.nodeId === n.id).map((a) => `${Math.round(a.threshold * 100)}%`),
      };
    })
    .sort((a, b) => order.indexOf(a.level) - order.indexOf(b.level) || a.id.localeCompare(b.id));
  const released = books.flatMap((b) => b.swept).filter((r) => r.at.startsWith(month));
  return { month, generatedAt: new Date(now).toISOString(), nodes: rows, decisions: charges.decisions, alerts, released };
}

export function budgetReportFile(cfg: LoadedConfig, date: string): string {
  return join(cfg.stateRoot, 'ledger', `budget-report-${date}.json`);
}

function prefixed(byService: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(byService).map(([k, v]) => [`service:${k}`, v]));
}

function sumBy(rs: Array<{ service: string; monthly: number }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rs) out[r.service] = (out[r.service] ?? 0) + r.monthly;
  return out;
}

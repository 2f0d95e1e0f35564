/**
 * Chargeback: the cost each committed decision is responsible for in a month. A decision owns its
 * service's run-rate from when it finished (or the month start) until the service's next committed
 * decision (or the month end, or now if earlier). Month boundaries are UTC; a decision committed
 * before the month carries into it until it is superseded.
 */
import { BudgetTree, pathOf, validateMonth } from './budget-hierarchy';

export interface CommittedDecision {
  decisionId: string;
  service: string;
  /** ISO-8601 time the decision finished provisioning. */
  finishedAt: string;
  /** Run-rate of the service's fleet after the decision. */
  hourlyCostAfter: number;
}

export interface DecisionCharge {
  decisionId: string;
  service: string;
  /** ISO-8601 start and end of the stretch charged in this month. */
  from: string;
  to: string;
  hours: number;
  cost: number;
}

export interface ChargebackReport {
  month: string;
  decisions: DecisionCharge[];
  byService: Record<string, number>;
  /** Cost at every budget node (service → … → company), when a tree is given. */
  byNode?: Record<string, number>;
}

const HOUR = 3_600_000;

/** [start, end) of a 'YYYY-MM' month in epoch ms, UTC. */
export function monthRange(month: string): { start: number; end: number } {
  validateMonth(month);
  const [y, m] = month.split('-').map(Number);
  return { start: Date.UTC(y, m - 1, 1), end: Date.UTC(y, m, 1) };
}

/** The 'YYYY-MM' month (UTC) an epoch ms falls in. */
export function monthOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

function parseTime(d: CommittedDecision): number {
  const t = Date.parse(d.finishedAt);
  if (typeof d.finishedAt !== 'string' || Number.isNaN(t)) {
    throw new Error(`decision ${d.decisionId}: finishedAt must be an ISO-8601 time like 2026-11-22T10:00:00Z, got '${String(d.finishedAt)}'`);
  }
  return t;
}

/**
 * Charges of `records` (committed decisions, any order, any months: earlier ones are needed to
 * carry their run-rate into the month) for `month`, up to `now` (epoch ms).
 */
export function chargeback(records: readonly CommittedDecision[], month: string, now: number, tree?: BudgetTree): ChargebackReport {
  const { start, end } = monthRange(month);
  if (!Number.isFinite(now)) throw new RangeError(`now must be epoch ms, got ${now}`);
  const stop = Math.min(end, now);
  const byServiceRecords = new Map<string, Array<{ d: CommittedDecision; at: number }>>();
  for (const d of records) {
    if (!Number.isFinite(d.hourlyCostAfter) || d.hourlyCostAfter < 0) {
      throw new RangeError(`decision ${d.decisionId}: hourlyCostAfter must be a number >= 0, got ${d.hourlyCostAfter}`);
    }
    const list = byServiceRecords.get(d.service) ?? [];
    list.push({ d, at: parseTime(d) });
    byServiceRecords.set(d.service, list);
  }

  const decisions: DecisionCharge[] = [];
  const byService: Record<string, number> = {};
  for (const service of [...byServiceRecords.keys()].sort()) {
    // Ties on finishedAt are broken by id so the report is the same whatever the input order.
    const list = byServiceRecords.get(service)!.sort((a, b) => a.at - b.at || (a.d.decisionId < b.d.decisionId ? -1 : 1));
    list.forEach(({ d, at }, i) => {
      const next = i + 1 < list.length ? list[i + 1].at : Infinity;
      const from = Math.max(at, start);
      const to = Math.min(next, stop);
      if (to <= from) return;
      const hours = (to - from) / HOUR;
      const cost = d.hourlyCostAfter * hours;
      decisions.push({ decisionId: d.decisionId, service, from: new Date(from).toISOString(), to: new Date(to).toISOString(), hours, cost });
      byService[service] = (byService[service] ?? 0) + cost;
    });
  }

  const report: ChargebackReport = { month, decisions, byService };
  if (tree) {
    const byNode: Record<string, number> = {};
    for (const id of Object.keys(tree.nodes)) byNode[id] = 0;
    for (const [service, cost] of Object.entries(byService)) {
      for (const n of pathOf(tree, service)) byNode[n.id] += cost;
    }
    report.byNode = byNode;
  }
  return report;
}

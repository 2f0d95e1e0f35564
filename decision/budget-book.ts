/**
 * The budget authority's book — committed run-rates, open reservations, decisions already closed,
 * fired alerts, the sweep's releases — and the transitions on it. `workflows/budget-authority.ts`
 * keeps one book per budget root and applies these inside its update handlers, one at a time, so a
 * check and the reservation it allows are a single step for every worker on every host.
 * Pure: no I/O and no clock (the caller passes the workflow's time).
 */
import { checkBudget, HOURS_PER_MONTH } from '../planning/budget';
import { alertsToFire, checkHierarchy, pathOf, spendByNode, type BudgetAlert, type BudgetTree, type Spend } from '../planning/budget-hierarchy';
import type { ApprovalRequirement } from './approval';
import { reviewBudget, type ReservedBudget } from './review';

/** What a decision's config snapshot says about budgets; every request carries it. */
export interface BudgetLimits {
  /** company → department → project → service; undefined without a `budgets:` block (the pool is the root). */
  tree?: BudgetTree;
  /** `budgets.alerts`: thresholds as fractions of a limit, and where alerts are POSTed. */
  alerts?: { thresholds: number[]; webhook?: string };
}

export interface ReserveRequest extends BudgetLimits {
  decisionId: string;
  service: string;
  /** The service's budget pool and its monthly limit. */
  pool: string;
  poolLimit: number;
  hourlyCostBefore: number;
  hourlyCostAfter: number;
  onExceed: 'reject' | 'require-approval';
  tags: Record<string, string>;
  /** A dry run is checked against the book but reserves nothing. */
  dryRun: boolean;
  /** The policy review's requirement; the result adds the budget's reasons. */
  approval: ApprovalRequirement;
  /** The decision's workflow run: the sweep asks whether it is still running. */
  holder: { workflowId: string; runId: string };
}

export interface CommittedRate {
  service: string;
  pool: string;
  monthly: number;
  decisionId: string;
  at: string;
}

export interface Reservation {
  decisionId: string;
  service: string;
  pool: string;
  monthly: number;
  at: string;
  holder: { workflowId: string; runId: string };
  /** Returned again to a retried reserve. */
  result: ReservedBudget;
}

export interface ClosedDecision {
  as: 'committed' | 'released' | 'rejected';
  at: string;
  /** Why the authority released it itself (the decision closed without commit or release). */
  reason?: string;
  /** The reserve result, kept for a while for a late retry. */
  result?: ReservedBudget;
}

/** An alert the authority fired: once per budget, threshold and month. */
export interface FiredAlert extends BudgetAlert {
  firedAt: string;
  decisionId?: string;
  /** How delivery went, once it ended (the delivery activity retries until then). */
  delivery?: { ok: boolean; attempts: number; detail: string; at: string };
}

/** A reservation the authority released because its decision closed without commit or release. */
export interface SweptReservation {
  decisionId: string;
  service: string;
  monthly: number;
  at: string;
  reason: string;
}

export interface BudgetBook {
  /** `company:<name>` or `pool:<name>`. */
  root: string;
  /** Each service's committed monthly run-rate (its fleet after its last committed decision). */
  committed: Record<string, CommittedRate>;
  reservations: Record<string, Reservation>;
  /** Decision ids already committed, released or rejected: a late reserve never resurrects them. */
  closed: Record<string, ClosedDecision>;
  alerts: Record<string, FiredAlert>;
  /** The sweep's releases, newest last. */
  swept: SweptReservation[];
  /** The newest limits a request carried: the scheduled alert check and the report fall back to them. */
  limits?: BudgetLimits;
  /** Where the committed run-rates of the first run came from. */
  seed?: { at: string; note: string };
}

export function emptyBook(root: string): BudgetBook {
  return { root, committed: {}, reservations: {}, closed: {}, alerts: {}, swept: [] };
}

/** The root a service's budget answers to: the company when there is a tree, else its pool. */
export function budgetRoot(tree: BudgetTree | undefined, pool: string): string {
  const company = tree && Object.values(tree.nodes).find((n) => n.level === 'company');
  return company ? company.id : `pool:${pool}`;
}

const iso = (now: number) => new Date(now).toISOString();

/**
 * Projected spend, the shape the hierarchy checks: committed run-rates plus open reservations,
 * where a running decision's reservation (its service's run-rate after it) replaces that
 * service's committed run-rate rather than adding to it.
 */
export function spendOf(book: BudgetBook): Spend {
  const open = Object.values(book.reservations);
  const reserving = new Set(open.map((r) => r.service));
  const committed: Record<string, number> = {};
  for (const c of Object.values(book.committed)) if (!reserving.has(c.service)) committed[c.service] = c.monthly;
  return { committed, reservations: open.map((r) => ({ decisionId: r.decisionId, service: r.service, monthly: r.monthly })) };
}

/** Committed run-rate and open reservations of a pool, leaving out one service and one decision. */
export function poolUsage(book: BudgetBook, pool: string, excludeService: string, excludeDecision: string) {
  const others = Object.values(book.reservations).filter((r) => r.decisionId !== excludeDecision);
  const reserving = new Set(others.map((r) => r.service));
  const committedOthers = Object.values(book.committed)
    .filter((c) => c.pool === pool && c.service !== excludeService && !reserving.has(c.service))
    .reduce((a, c) => a + c.monthly, 0);
  const reservedOthers = others.filter((r) => r.pool === pool).reduce((a, r) => a + r.monthly, 0);
  return { committedOthers, reservedOthers };
}

/**
 * Checks the plan against the pool and every level of the tree, and reserves when allowed — one
 * step. Idempotent by decision id: an open or closed decision gets its earlier result back.
 * Returns the alerts this reservation fired (already stored in the book).
 */
export function reserve(book: BudgetBook, req: ReserveRequest, now: number, month: string): { result: ReservedBudget; fired: FiredAlert[] } {
  const open = book.reservations[req.decisionId];
  if (open) return { result: open.result, fired: [] };
  const closed = book.closed[req.decisionId];
  if (closed) return { result: closed.result ?? closedResult(req, closed), fired: [] };

  const limits: BudgetLimits = { tree: req.tree, alerts: req.alerts };
  book.limits = limits;
  const projected = req.hourlyCostAfter * HOURS_PER_MONTH;
  const pool = checkBudget({ pool: req.pool, monthlyLimit: req.poolLimit, projected, ...poolUsage(book, req.pool, req.service, req.decisionId) });
  const hierarchy = req.tree ? checkHierarchy(req.tree, req.service, projected, spendOf(book), req.decisionId) : undefined;
  const review = reviewBudget({ plan: req, pool, hierarchy, onExceed: req.onExceed, approval: req.approval });
  const reserved = review.allowed && !req.dryRun;
  const at = iso(now);
  const hourlyDelta = req.hourlyCostAfter - req.hourlyCostBefore;
  const result: ReservedBudget = {
    budget: {
      allowed: review.allowed,
      pool: req.pool,
      limit: req.poolLimit,
      projectedMonthly: projected,
      projectedTotal: pool.projectedTotal,
      reserved,
      released: false,
      message: review.message,
      levels: hierarchy?.levels,
      approvalReasons: review.approvalReasons,
      chargeback: {
        hourlyDelta,
        monthlyDelta: hourlyDelta * HOURS_PER_MONTH,
        path: req.tree ? pathOf(req.tree, req.service).map((n) => n.id) : [`pool:${req.pool}`],
        tags: { service: req.service, ...req.tags },
      },
    },
    approval: review.approval,
  };
  let fired: FiredAlert[] = [];
  if (reserved) {
    book.reservations[req.decisionId] = { decisionId: req.decisionId, service: req.service, pool: req.pool, monthly: projected, at, holder: req.holder, result };
    // Alerts see the spend with this reservation in it; the decision's record names the ones it fired.
    fired = fireDueAlerts(book, limits, month, now, req.decisionId);
    if (req.tree) result.budget.alerts = fired.map((a) => a.message);
  } else if (!req.dryRun) {
    book.closed[req.decisionId] = { as: 'rejected', at, result };
  }
  return { result, fired };
}

/**
 * Whether a reservation already held still fits the limits `req` carries now (a plan a person
 * approved after a wait: the limits may have been lowered, or other services committed more). The
 * held reservation itself is left out of the spend it is checked against. Returns one message per
 * budget it no longer fits; empty when it fits or when nothing is held (a dry run, a closed decision).
 */
export function recheckReservation(book: BudgetBook, req: ReserveRequest): { failures: string[] } {
  const held = book.reservations[req.decisionId];
  if (!held) return { failures: [] };
  const others: BudgetBook = { ...book, reservations: Object.fromEntries(Object.entries(book.reservations).filter(([id]) => id !== req.decisionId)) };
  const projected = req.hourlyCostAfter * HOURS_PER_MONTH;
  const failures: string[] = [];
  const pool = checkBudget({ pool: req.pool, monthlyLimit: req.poolLimit, projected, ...poolUsage(others, req.pool, req.service, req.decisionId) });
  if (!pool.allowed) failures.push(pool.message);
  if (req.tree) {
    const hierarchy = checkHierarchy(req.tree, req.service, projected, spendOf(others), req.decisionId);
    for (const l of hierarchy.levels) if (!l.allowed) failures.push(l.message);
  }
  return { failures };
}

/** What a reserve for a decision closed so long ago that its result was pruned gets: nothing reserved. */
function closedResult(req: ReserveRequest, closed: ClosedDecision): ReservedBudget {
  return {
    budget: {
      allowed: false,
      pool: req.pool,
      limit: req.poolLimit,
      projectedMonthly: req.hourlyCostAfter * HOURS_PER_MONTH,
      projectedTotal: 0,
      reserved: false,
      released: closed.as === 'released',
      message: `decision ${req.decisionId} was already ${closed.as} at ${closed.at}; its budget is not reserved again`,
    },
    approval: req.approval,
  };
}

/** The reservation becomes its service's committed run-rate. True when the decision is (now or already) committed. */
export function commit(book: BudgetBook, decisionId: string, now: number): boolean {
  const r = book.reservations[decisionId];
  if (!r) return book.closed[decisionId]?.as === 'committed';
  book.committed[r.service] = { service: r.service, pool: r.pool, monthly: r.monthly, decisionId, at: iso(now) };
  delete book.reservations[decisionId];
  book.closed[decisionId] = { as: 'committed', at: iso(now), result: r.result };
  return true;
}

/**
 * Drops the reservation. True when this call released one. `reason` is set when the authority
 * releases on its own (the sweep), and recorded.
 */
export function release(book: BudgetBook, decisionId: string, now: number, reason?: string): boolean {
  const r = book.reservations[decisionId];
  if (!r) {
    book.closed[decisionId] ??= { as: 'released', at: iso(now) };
    return false;
  }
  delete book.reservations[decisionId];
  book.closed[decisionId] = { as: 'released', at: iso(now), reason, result: r.result };
  if (reason) book.swept.push({ decisionId, service: r.service, monthly: r.monthly, at: iso(now), reason });
  return true;
}

/**
 * Stores and returns the alerts due now and not fired before: a threshold fires once per budget
 * and month, whoever crosses it (a reservation, or the scheduled check after a new month starts).
 */
export function fireDueAlerts(book: BudgetBook, limits: BudgetLimits, month: string, now: number, decisionId?: string): FiredAlert[] {
  if (!limits.tree) return [];
  const due = alertsToFire(limits.tree, spendByNode(limits.tree, spendOf(book)), month, new Set(Object.keys(book.alerts)), limits.alerts?.thresholds);
  const fired = due.map((a): FiredAlert => ({ ...a, firedAt: iso(now), ...(decisionId ? { decisionId } : {}) }));
  for (const a of fired) book.alerts[a.key] = a;
  return fired;
}

export interface PruneLimits {
  /** Closed ids older than this are forgotten (a reserve retry comes within minutes). */
  closedMs: number;
  /** At most this many closed ids are kept, newest first; the sweep covers anything a late retry could reopen. */
  maxClosed: number;
  /** Reserve results are kept for the newest this many closed decisions (older ones get a plain "already closed"). */
  maxResults: number;
  maxSwept: number;
}

/** Sized so the book carried through continue-as-new stays well under Temporal's 2 MB payload limit. */
export const PRUNE: PruneLimits = { closedMs: 7 * 86_400_000, maxClosed: 2000, maxResults: 200, maxSwept: 200 };

/**
 * Keeps the book small enough to carry through continue-as-new: old closed ids and their results,
 * delivered alerts of months before the previous one, and the oldest sweep records go.
 */
export function prune(book: BudgetBook, now: number, month: string, limits: PruneLimits = PRUNE): void {
  const entries = Object.entries(book.closed).sort((a, b) => (a[1].at < b[1].at ? 1 : a[1].at > b[1].at ? -1 : 0));
  const closed: Record<string, ClosedDecision> = {};
  entries.slice(0, limits.maxClosed).forEach(([id, c], i) => {
    if (now - Date.parse(c.at) > limits.closedMs) return;
    closed[id] = i < limits.maxResults ? c : { as: c.as, at: c.at, ...(c.reason ? { reason: c.reason } : {}) };
  });
  book.closed = closed;
  const keep = new Set([month, previousMonth(month)]);
  for (const [key, a] of Object.entries(book.alerts)) if (!keep.has(key.slice(0, 7)) && a.delivery) delete book.alerts[key];
  book.swept = book.swept.slice(-limits.maxSwept);
}

function previousMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/** The book without stored results: what the report query returns. */
export type BudgetBookView = Omit<BudgetBook, 'reservations' | 'closed'> & {
  reservations: Array<Omit<Reservation, 'result'>>;
  /** Closed decisions, newest first, without their results. */
  closed: Array<{ decisionId: string } & Omit<ClosedDecision, 'result'>>;
  /** The authority is still reading the committed run-rates of its first run. */
  seeding?: boolean;
};

export function viewOf(book: BudgetBook): BudgetBookView {
  return {
    ...book,
    reservations: Object.values(book.reservations).map(({ result: _r, ...r }) => r),
    closed: Object.entries(book.closed)
      .map(([decisionId, { result: _r, ...c }]) => ({ decisionId, ...c }))
      .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)),
  };
}

/**
 * The budget authority: one long-running workflow per budget root (`company:<name>` with a
 * `budgets:` block, else `pool:<name>`), the single writer of that root's book. Updates `reserve`,
 * `commit`, `release` run one at a time inside the workflow, so the check of every level and the
 * reservation it allows are one step for any number of workers on any number of hosts.
 *
 * Configuration is not read here: each reserve carries the limits and the tree of its decision's
 * config snapshot (read by the worker when the step runs), so an edited kinetic.yaml applies from
 * the next reservation on; the newest limits seen are kept for the scheduled alert check.
 *
 * Deterministic: the book's transitions are pure (decision/budget-book), time is the workflow
 * clock; reading the audit log (first run only), asking whether a decision still runs (the sweep)
 * and POSTing alerts are activities.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { DecisionActivities } from '../activities';
import {
  commit,
  emptyBook,
  fireDueAlerts,
  prune,
  recheckReservation,
  release,
  reserve,
  viewOf,
  type BudgetBook,
  type FiredAlert,
  type ReserveRequest,
} from '../decision/budget-book';
import { monthOf } from '../planning/chargeback';
import { budgetBookQuery, checkAlertsUpdate, commitUpdate, recheckReservationQuery, releaseUpdate, reserveUpdate } from './budget-definitions';

export interface AuthorityOptions {
  /** How often open reservations are checked against their decisions' runs. */
  sweepSeconds: number;
  /** Continue-as-new after this many history events or updates (or earlier, when Temporal suggests it). */
  maxHistoryEvents: number;
  /** Temporal refuses updates beyond 2,000 per run (`history.maxTotalUpdates`): rotate well before. */
  maxUpdates: number;
  /** Alert delivery: first retry interval (doubling, at most 5 min) and attempts before giving up. */
  alertRetrySeconds: number;
  alertAttempts: number;
}

export const AUTHORITY_DEFAULTS: AuthorityOptions = { sweepSeconds: 60, maxHistoryEvents: 4000, maxUpdates: 1000, alertRetrySeconds: 2, alertAttempts: 10 };

export interface AuthorityInput {
  root: string;
  /** Carried over by continue-as-new; absent on the first start, which seeds it from the audit log. */
  book?: BudgetBook;
  options?: Partial<AuthorityOptions>;
}

export async function budgetAuthority(input: AuthorityInput): Promise<void> {
  const opts: AuthorityOptions = { ...AUTHORITY_DEFAULTS, ...input.options };
  const acts = proxyActivities<DecisionActivities>({
    startToCloseTimeout: '60s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
  });
  const alerting = proxyActivities<DecisionActivities>({
    startToCloseTimeout: '20s',
    retry: { initialInterval: opts.alertRetrySeconds * 1000, backoffCoefficient: 2, maximumInterval: '5m', maximumAttempts: opts.alertAttempts, nonRetryableErrorTypes: ['AlertRejected'] },
  });
  let book = input.book;
  const toDeliver: FiredAlert[] = [];
  let delivering = 0;
  let updates = 0;
  const now = () => Date.now();

  // Handlers first: the update that started the run arrives in its first task. Until the book is
  // seeded they wait; after that each runs without yielding, so check and reserve are atomic.
  const ready = async (): Promise<BudgetBook> => {
    updates++;
    if (!book) await condition(() => book !== undefined);
    return book!;
  };
  setHandler(reserveUpdate, async (req) => {
    const b = await ready();
    return guarded(() => {
      const { result, fired } = reserve(b, req, now(), monthOf(now()));
      toDeliver.push(...fired);
      return result;
    });
  }, { validator: validateReserve });
  setHandler(commitUpdate, async ({ decisionId }) => {
    const b = await ready();
    return commit(b, decisionId, now());
  }, { validator: validateId });
  setHandler(releaseUpdate, async ({ decisionId }) => {
    const b = await ready();
    return release(b, decisionId, now());
  }, { validator: validateId });
  setHandler(checkAlertsUpdate, async (limits) => {
    const b = await ready();
    return guarded(() => {
      b.limits = limits;
      const fired = fireDueAlerts(b, limits, monthOf(now()), now());
      toDeliver.push(...fired);
      return fired;
    });
  }, { validator: (limits) => {
    if (typeof limits !== 'object' || limits === null) throw new Error('limits must be an object');
  } });
  setHandler(recheckReservationQuery, (req) => (book ? recheckReservation(book, req) : { failures: [] }));
  setHandler(budgetBookQuery, () => (book ? viewOf(book) : { ...viewOf(emptyBook(input.root)), seeding: true }));

  if (!book) {
    // First start of this root: the committed run-rates of its services come from the audit log.
    const seed = await acts.seedBudgetBook({ root: input.root });
    book = { ...emptyBook(input.root), committed: seed.committed, seed: { at: new Date(now()).toISOString(), note: seed.note } };
  }
  const b = book;
  // Alerts fired by an earlier run whose delivery had not ended: deliver again (receivers dedupe by key).
  toDeliver.push(...Object.values(b.alerts).filter((a) => !a.delivery));

  const rotate = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= opts.maxHistoryEvents || updates >= opts.maxUpdates;
  const open = () => Object.keys(b.reservations).length > 0;
  let nextSweep: number | undefined;
  while (!rotate()) {
    if (!open()) {
      nextSweep = undefined;
      await condition(() => toDeliver.length > 0 || open() || rotate());
    } else {
      nextSweep ??= now() + opts.sweepSeconds * 1000;
      const woke = await condition(() => toDeliver.length > 0 || rotate(), Math.max(1, nextSweep - now()));
      if (!woke) {
        await sweep(b);
        nextSweep = undefined;
      }
    }
    for (const alert of toDeliver.splice(0)) void deliver(b, alert);
  }
  // Give deliveries under way a moment to end, so the next run does not send them again.
  if (delivering > 0) await condition(() => delivering === 0, '10s');
  await condition(allHandlersFinished);
  prune(b, now(), monthOf(now()));
  await continueAsNew<typeof budgetAuthority>({ root: input.root, book: b, options: input.options });

  /** Releases open reservations whose decision run has closed without commit or release. */
  async function sweep(b: BudgetBook): Promise<void> {
    const cutoff = now() - opts.sweepSeconds * 1000;
    const holders = Object.values(b.reservations)
      .filter((r) => Date.parse(r.at) <= cutoff)
      .map((r) => ({ decisionId: r.decisionId, ...r.holder }));
    if (holders.length === 0) return;
    try {
      const states = await acts.describeBudgetHolders({ holders });
      for (const s of states) {
        if (!s.open && release(b, s.decisionId, now(), s.reason)) log.warn('budget reservation released by the authority', { decisionId: s.decisionId, reason: s.reason });
      }
    } catch (e) {
      log.warn('budget sweep failed; trying again at the next sweep', { error: String(e) });
    }
  }

  /** At-least-once: the activity retries; the receiver dedupes by the idempotency key. */
  async function deliver(b: BudgetBook, alert: FiredAlert): Promise<void> {
    delivering++;
    const at = () => new Date(now()).toISOString();
    try {
      const r = await alerting.deliverBudgetAlert({ alert, webhook: b.limits?.alerts?.webhook, idempotencyKey: `${workflowInfo().workflowId}/${alert.key}` });
      if (b.alerts[alert.key]) b.alerts[alert.key].delivery = { ok: true, attempts: r.attempt, detail: r.detail, at: at() };
    } catch (e) {
      if (b.alerts[alert.key]) b.alerts[alert.key].delivery = { ok: false, attempts: opts.alertAttempts, detail: rootMessage(e), at: at() };
    } finally {
      delivering--;
    }
  }
}

/** A bug or a malformed request fails that update, never the authority's workflow task. */
function guarded<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ApplicationFailure) throw e;
    throw ApplicationFailure.nonRetryable(`budget authority: ${(e as Error).message}`, 'InvalidBudgetRequest');
  }
}

/** Validators reject before anything is written to history (they must be synchronous). */
function validateId(input: { decisionId: string }): void {
  if (typeof input?.decisionId !== 'string' || !input.decisionId) throw new Error('decisionId is required');
}

function validateReserve(req: ReserveRequest): void {
  validateId(req);
  const money = { poolLimit: req.poolLimit, hourlyCostBefore: req.hourlyCostBefore, hourlyCostAfter: req.hourlyCostAfter };
  for (const [k, v] of Object.entries(money)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`${k} must be a number >= 0, got ${String(v)}`);
  }
  if (!req.service || !req.pool) throw new Error('service and pool are required');
  if (!req.holder?.workflowId || !req.holder.runId) throw new Error('holder { workflowId, runId } is required');
}

function rootMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  let msg = String(e?.message ?? err);
  while (e?.cause) {
    e = e.cause as { message?: string; cause?: unknown };
    if (e.message) msg = e.message;
  }
  return msg;
}

/**
 * The scaling-decision saga: forecast → plan → policy → budget → approval → provision → verify →
 * commit, or compensate in reverse order. Deterministic: all I/O happens in activities, time comes
 * from the workflow clock, and every rejection is a completed decision with reasons.
 */
import {
  ActivityCancellationType,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import { SagaChanges, sagaChanges } from './saga-changes';
import { StageAttributes } from './stage-attributes';
import type { DecisionActivities } from '../activities';
import type { DecisionContext, RecordedForCompensation } from '../decision/context';
import type { ApprovalRequest, DecisionInput, DecisionTimeouts } from '../decision/input';
import type { PlanSummary } from '../decision/plan';
import type { BudgetSummary, DecisionOutcome, DecisionRecord, DecisionStage } from '../decision/record';
import { type ApprovalRequirement, withBudgetReasons } from '../decision/approval';
import type { ReservedBudget } from '../decision/review';
import { fleetRunsPlan, resolutionMessage } from '../decision/resolution';
import { planGate } from '../decision/plan-gate';
import { recheckApprovedPlan, reproposalReason } from '../decision/recheck';
import type { CapacityState } from '../provisioners/contract';
import { decisionInputProblems, INVALID_DECISION_INPUT, invalidInputMessage } from '../decision/input-validation';
import { APPROVAL_REFUSED, type ApprovalAttempt, type AttemptAction, judgeAttempt, type TokenVerdict } from '../decision/approval-attempts';
import { ACTION_ROLES, deniedMessage } from '../decision/access';
import { hasRole, type AuthSettings } from '../decision/roles';
import {
  approveUpdate,
  currentStepQuery,
  decisionRecordQuery,
  BUDGET_COMMIT_FAILED,
  NON_RETRYABLE_TYPES,
  rejectUpdate,
  resolveUpdate,
  SA_DECISION_ID,
  SA_DIRECTION,
  SA_OUTCOME,
  SA_SERVICE,
  SA_STAGE,
} from './definitions';
import { decisionDetails } from '../decision/details';

/** Stages in which a decision waits outside its workflow task (see StageAttributes). */
const WAITING_STAGES: ReadonlySet<DecisionStage> = new Set<DecisionStage>(['provision', 'verify', 'compensate', 'needs-operator']);

export const DEFAULT_TIMEOUTS: DecisionTimeouts = {
  stepSeconds: 30,
  forecastSeconds: 300,
  provisionSeconds: 1800,
  heartbeatSeconds: 60,
  verifySeconds: 900,
};

/** Seconds to the SDK's Duration (a number means milliseconds). */
const ms = (seconds: number): number => Math.round(seconds * 1000);

function activitiesFor(t: DecisionTimeouts) {
  const retry = {
    initialInterval: 500,
    backoffCoefficient: 2,
    maximumInterval: 30_000,
    maximumAttempts: 5,
    nonRetryableErrorTypes: NON_RETRYABLE_TYPES,
  };
  return {
    quick: proxyActivities<DecisionActivities>({ startToCloseTimeout: ms(t.stepSeconds), retry }),
    // Short steps (plan, policy, budget ledger, audit record): local activities run inside the
    // workflow task, skipping a task-queue round trip each; they still time out and retry.
    pure: proxyLocalActivities<DecisionActivities>({ startToCloseTimeout: ms(t.stepSeconds), retry }),
    // Model fitting is CPU work in the worker: a local activity (a long one heartbeats the workflow task).
    forecast: proxyLocalActivities<DecisionActivities>({ startToCloseTimeout: ms(t.forecastSeconds), retry: { ...retry, maximumAttempts: 3 } }),
    infra: proxyActivities<DecisionActivities>({
      startToCloseTimeout: ms(t.provisionSeconds),
      heartbeatTimeout: ms(t.heartbeatSeconds),
      // Wait for an interrupted `up` to stop before compensating, so two changes never overlap.
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      retry: { ...retry, maximumAttempts: 4 },
    }),
    // Verification beats on a timer (activities/provision.ts): a dead worker or a lost completion
    // is noticed within heartbeatSeconds, not at verifySeconds. Activity options are not part of
    // replay (a scheduled activity is matched by type and id), so this needs no saga-change marker.
    verify: proxyActivities<DecisionActivities>({
      startToCloseTimeout: ms(t.verifySeconds),
      heartbeatTimeout: ms(t.heartbeatSeconds),
      retry: { ...retry, maximumAttempts: 2 },
    }),
    // The operator alert of a failed compensation: retried like budget alerts (2 s doubling to 5 min, 10 attempts).
    alert: proxyActivities<DecisionActivities>({
      startToCloseTimeout: '20s',
      retry: { initialInterval: 2000, backoffCoefficient: 2, maximumInterval: '5m', maximumAttempts: 10, nonRetryableErrorTypes: ['AlertRejected'] },
    }),
    // Token checks (issue 14): a local activity run from the update handler; a JWKS outage is retried
    // a few times, then the attempt is refused as verification-unavailable (and recorded).
    auth: proxyLocalActivities<DecisionActivities>({
      startToCloseTimeout: ms(Math.min(t.stepSeconds, 15)),
      retry: { initialInterval: 500, backoffCoefficient: 2, maximumInterval: 5000, maximumAttempts: 3 },
    }),
    // The audit record when its quick local attempts failed (sink down): a regular activity retried
    // without limit, backing off to once a minute, its attempts and last error shown in the UI.
    audit: proxyActivities<DecisionActivities>({
      startToCloseTimeout: ms(t.stepSeconds),
      retry: { initialInterval: 1000, backoffCoefficient: 2, maximumInterval: 60_000, nonRetryableErrorTypes: [] },
    }),
  };
}

/** Id of the `patched` marker: a forecast that failed on stale metrics ends `stale-metrics`, not `failed`. */
export const STALE_METRICS_OUTCOME_PATCH = 'stale-metrics-outcome';

/** The `type` of the innermost ApplicationFailure in a failure's cause chain (undefined when none). */
function failureType(err: unknown): string | undefined {
  let type: string | undefined;
  for (let e = err as { type?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.type === 'string') type = e.type;
  }
  return type;
}

/** Id of the `patched` marker: the record step retries until the audit log has the record. */
export const RECORD_UNTIL_WRITTEN_PATCH = 'record-step-retries-until-written';

/**
 * The budget step's result and the decision's final approval requirement. For older decisions,
 * asked right after the step resolves, `patched` is true exactly when that result came from this
 * code; results recorded by older code are a bare budget summary whose approval reasons the
 * workflow added itself.
 */
function budgetStepResult(changes: SagaChanges, result: ReservedBudget, policyApproval: ApprovalRequirement): ReservedBudget {
  if (changes.has('budget-step-returns-final-approval')) return result;
  const budget = result as unknown as BudgetSummary;
  return { budget, approval: withBudgetReasons(policyApproval, budget.approvalReasons) };
}

/** The innermost message of a failure chain: what actually went wrong, for the record. */
function rootMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  let msg = String((e && e.message) ?? err);
  while (e && e.cause) {
    e = e.cause as { message?: string; cause?: unknown };
    if (e.message) msg = e.message;
  }
  return msg;
}

/** Id of the `patched` marker: provisioning, rollback and budget commit/release use the settings recorded at the first step. */
export const COMPENSATE_FROM_RECORD_PATCH = 'compensation-uses-recorded-context';

/**
 * Id of the `patched` marker: a failed compensation keeps the reservation, alerts, and waits in
 * stage `needs-operator` for the `resolve` Update.
 */
export const HOLD_FOR_OPERATOR_PATCH = 'compensation-failed-waits-for-operator';

/** Id of the `patched` marker: a plan a person approved is re-checked (fleet, policy, age) before it is applied. */
export const RECHECK_AFTER_APPROVAL_PATCH = 'approved-plan-rechecked-before-apply';
/** Id of the `patched` marker: the re-check after approval also asks whether the held reservation fits today's budgets. */
export const BUDGET_RECHECK_PATCH = 'approved-plan-budget-rechecked';

/**
 * Id of the saga change: fewer local activities, each one activation of the decision fewer, the
 * same gates, stages, record and compensation: plan, policy review and budget reservation run as
 * one (`planReviewAndReserve`), and a committed decision's budget commit runs in its record step
 * (`commitBudgetAndRecord`).
 */
export const MERGED_STEPS_PATCH = 'merged-decision-steps';

/** Default of `approval.maxPlanAge` for contexts recorded without it. */
const DEFAULT_MAX_PLAN_AGE_SECONDS = 900;

/** Id of the `patched` marker: the input is validated before the first step. */
export const VALIDATE_INPUT_PATCH = 'decision-input-validated-first';

/**
 * Id of the `patched` marker (issue 14): answers are judged in the update handlers — the token
 * verified in a local activity, approvers by identity or group, four-eyes, quorum — and every
 * attempt is recorded; a `targetOverride` needs role operator. Decisions started before keep the
 * typed-identity check of their validator.
 */
export const AUTHENTICATED_APPROVALS_PATCH = 'approvals-authenticated-and-recorded';

const NO_AUTH_MESSAGE = 'auth is not configured: set auth.issuer and auth.audience in kinetic.yaml (OpenID Connect), or auth: { mode: unverified } for the embedded demo only';

export async function scalingDecision(input: DecisionInput): Promise<DecisionRecord> {
  const changes = sagaChanges();
  if (changes.has(VALIDATE_INPUT_PATCH)) {
    // Bad JSON from any client fails here, named, instead of deep inside a step (or never).
    const problems = decisionInputProblems(input);
    if (problems.length > 0) {
      setCurrentDetails(`**Scaling decision refused**\n\n${invalidInputMessage(problems)}`);
      throw ApplicationFailure.nonRetryable(invalidInputMessage(problems), INVALID_DECISION_INPUT);
    }
  }
  const authenticated = changes.has(AUTHENTICATED_APPROVALS_PATCH);
  const info = workflowInfo();
  const timeouts: DecisionTimeouts = { ...DEFAULT_TIMEOUTS, ...input.timeouts };
  const acts = activitiesFor(timeouts);
  const record: DecisionRecord = {
    id: input.decisionId,
    service: input.service,
    workflowId: info.workflowId,
    runId: info.runId,
    trigger: input.trigger,
    dryRun: input.dryRun ?? false,
    stage: 'starting',
    compensation: [],
    timings: { startedAt: new Date().toISOString() },
    startedAt: new Date().toISOString(),
  };
  const ownAttributes = changes.has('workflow-sets-own-search-attributes');
  const attributes = new StageAttributes(ownAttributes);
  if (ownAttributes) {
    // The workflow, not the client, is the source of truth: decisions started by another SDK or by
    // `temporal workflow start` list with service and id too. Only what the start did not set is
    // written (each write is a history event and a visibility update; Kinetic's client sets them).
    const started = info.typedSearchAttributes;
    if (started.get(SA_SERVICE) !== input.service || started.get(SA_DECISION_ID) !== input.decisionId) {
      attributes.flush({ key: SA_SERVICE, value: input.service }, { key: SA_DECISION_ID, value: input.decisionId }, { key: SA_STAGE, value: 'starting' });
    }
    if ((info.memo as { decisionId?: unknown } | undefined)?.decisionId !== input.decisionId) upsertMemo({ decisionId: input.decisionId, trigger: input.trigger });
  }
  /** The Web UI's current details, rewritten whenever the record changes what they say (no history event). */
  const explain = () => setCurrentDetails(decisionDetails(record));
  explain();
  let context: DecisionContext | undefined;
  /** What compensation and the record use (issue 13); undefined for decisions started by older code. */
  let recorded: RecordedForCompensation | undefined;
  let answer: { kind: 'approved' | 'rejected'; req: ApprovalRequest } | undefined;

  // Handlers first: an update arriving before they exist would be rejected.
  setHandler(currentStepQuery, () => record.stage);
  setHandler(decisionRecordQuery, () => record);
  const validateApprover = (req: ApprovalRequest) => {
    // This version's decisions judge every answer in the handler, waiting or not, so a refused one
    // (not waiting, too late, too early) is recorded too.
    if (authenticated && changes.since('answers-recorded-at-any-stage')) return;
    if (record.stage !== 'approval' || record.approval?.mode !== 'manual' || answer) {
      throw new Error(`decision ${record.id} is not waiting for approval (stage: ${record.stage})`);
    }
    // Authenticated decisions judge the answer in the handler, so a refused one is recorded too.
    if (authenticated) return;
    const approvers = context?.approval.approvers ?? [];
    if (!req?.identity || !approvers.includes(req.identity)) {
      throw new Error(`"${req?.identity ?? ''}" may not approve decisions of ${record.service}; approvers: ${approvers.join(', ') || '(none configured)'}`);
    }
  };
  const answerWith = (kind: 'approved' | 'rejected') => (req: ApprovalRequest) => {
    answer = { kind, req };
    record.approval = { ...record.approval!, decision: kind, decidedBy: req.identity, comment: req.comment, at: new Date().toISOString() };
    return record;
  };
  /** Issue 14: verify, judge, record; a refused attempt fails the Update with `ApprovalRefused`. */
  const judgedAnswer = (kind: 'approved' | 'rejected') => async (req: ApprovalRequest) => {
    const action: AttemptAction = kind === 'approved' ? 'approve' : 'reject';
    const approval = () => record.approval!;
    const proven = await proof(req, context?.auth, action);
    // The token check took a local activity: the decision may have moved on (timeout, another
    // answer), and the approvals counted so far are read only now (two concurrent tries by one
    // person count once).
    const waiting = record.stage === 'approval' && record.approval?.mode === 'manual' && !answer;
    const verdict = waiting
      ? judge(action, req, proven, approval().approvedBy ?? [])
      : { accepted: false as const, reason: 'not-waiting' as const, identity: proven.ok ? proven.principal.identity : undefined, message: `decision ${record.id} is not waiting for approval (stage: ${record.stage})` };
    const attempt = attemptOf(action, req, verdict);
    // Before a plan there is no approval section yet: such attempts are kept beside it.
    if (record.approval) record.approval = { ...approval(), attempts: [...(approval().attempts ?? []), attempt] };
    else record.answerAttempts = [...(record.answerAttempts ?? []), attempt];
    if (!attempt.accepted) refuse(attempt);
    const who = attempt.identity!;
    const at = new Date().toISOString();
    if (kind === 'rejected') {
      answer = { kind, req: { identity: who, comment: req?.comment } };
      record.approval = { ...approval(), decision: 'rejected', decidedBy: who, comment: req?.comment, at };
      return record;
    }
    const approvedBy = [...(approval().approvedBy ?? []), who];
    const required = context?.approval.required ?? 1;
    const comment = [approval().comment, req?.comment].filter(Boolean).join('; ') || undefined;
    record.approval = { ...approval(), approvedBy, required, comment };
    if (approvedBy.length >= required) {
      answer = { kind, req: { identity: approvedBy.join(', '), comment } };
      record.approval = { ...approval(), decision: 'approved', decidedBy: approvedBy.join(', '), at };
    }
    return record;
  };
  if (authenticated) {
    setHandler(approveUpdate, judgedAnswer('approved'), { validator: validateApprover });
    setHandler(rejectUpdate, judgedAnswer('rejected'), { validator: validateApprover });
  } else {
    setHandler(approveUpdate, answerWith('approved'), { validator: validateApprover });
    setHandler(rejectUpdate, answerWith('rejected'), { validator: validateApprover });
  }

  // `kinetic resolve`: only a decision waiting in `needs-operator`, only by an approver.
  let resolveReq: ApprovalRequest | undefined;
  let resolveFailed: string | undefined;
  setHandler(
    resolveUpdate,
    async (req: ApprovalRequest) => {
      if (authenticated) {
        const verdict = judge('resolve', req, await proof(req, context?.auth, 'resolve'), []);
        const waiting = record.stage === 'needs-operator' && !resolveReq;
        const attempt = attemptOf('resolve', req, waiting ? verdict : { accepted: false, reason: 'not-waiting', message: `decision ${record.id} is not waiting for an operator any more` });
        record.resolveAttempts = [...(record.resolveAttempts ?? []), attempt];
        if (!attempt.accepted) refuse(attempt);
        req = { identity: attempt.identity, comment: req?.comment };
      }
      resolveReq = req;
      resolveFailed = undefined;
      await condition(() => record.resolution !== undefined || resolveFailed !== undefined);
      if (!record.resolution) throw ApplicationFailure.nonRetryable(`resolving ${record.id} failed: ${resolveFailed}; fix it and resolve again`, 'ResolveFailed');
      return record;
    },
    {
      validator: (req: ApprovalRequest) => {
        if (record.stage !== 'needs-operator' || resolveReq) {
          throw new Error(`decision ${record.id} is not waiting for an operator (stage: ${record.stage}); only a compensation-failed decision is resolved`);
        }
        if (authenticated) return;
        const approvers = context?.approval.approvers ?? [];
        if (!req?.identity || !approvers.includes(req.identity)) {
          throw new Error(`"${req?.identity ?? ''}" may not resolve decisions of ${record.service}; approvers: ${approvers.join(', ') || '(none configured)'}`);
        }
      },
    },
  );

  /** What the caller's token proves (oidc), the typed identity (unverified), or why neither counts. */
  async function proof(req: ApprovalRequest | undefined, auth: AuthSettings | undefined, action: string): Promise<TokenVerdict> {
    const claimed = typeof req?.identity === 'string' && req.identity !== '' ? req.identity : undefined;
    const token = typeof req?.token === 'string' && req.token !== '' ? req.token : undefined;
    if (!auth) return { ok: false, reason: 'auth-not-configured', message: NO_AUTH_MESSAGE };
    if (auth.mode === 'unverified') {
      return claimed ? { ok: true, principal: { identity: claimed, groups: [], roles: [] } } : { ok: false, reason: 'missing-token', message: `say who you are (--as USER): auth is in unverified mode` };
    }
    if (!token) {
      return claimed
        ? { ok: false, reason: 'forged-identity', message: `"${claimed}" is only a claim: with auth in oidc mode an answer carries a token (run \`kinetic login\`, then \`kinetic ${action}\` without --as)` }
        : { ok: false, reason: 'missing-token', message: `no token: run \`kinetic login\` (or pass --token-file) and ${action} again` };
    }
    try {
      return await acts.auth.verifyToken({ token, auth });
    } catch (e) {
      return { ok: false, reason: 'verification-unavailable', message: `the token could not be checked: ${rootMessage(e)}` };
    }
  }

  function judge(action: AttemptAction, req: ApprovalRequest, verdict: TokenVerdict, approvedBy: string[]) {
    return judgeAttempt({
      action,
      service: record.service,
      verdict,
      claimed: typeof req?.identity === 'string' && req.identity !== '' ? req.identity : undefined,
      approvers: context?.approval.approvers ?? [],
      requester: record.requester?.identity,
      approvedBy,
      allowSelfApproval: context?.approval.allowSelfApproval ?? false,
    });
  }

  function attemptOf(action: AttemptAction, req: ApprovalRequest, v: ReturnType<typeof judgeAttempt>): ApprovalAttempt {
    const claimed = typeof req?.identity === 'string' && req.identity !== '' ? req.identity : undefined;
    const verified = context?.auth?.mode === 'oidc';
    const at = new Date().toISOString();
    if (v.accepted) return { at, action, identity: v.principal.identity, claimed, verified, accepted: true, message: `${action} by ${v.principal.identity} accepted` };
    const identity = v.identity ?? (context?.auth?.mode === 'unverified' ? claimed : undefined);
    return { at, action, identity, claimed, verified: verified && v.identity !== undefined, accepted: false, reason: v.reason, message: v.message };
  }

  function refuse(a: ApprovalAttempt): never {
    log.warn('approval attempt refused', { decisionId: record.id, action: a.action, reason: a.reason, identity: a.identity, claimed: a.claimed });
    throw ApplicationFailure.create({ message: `${a.action} refused (${a.reason}): ${a.message}`, type: APPROVAL_REFUSED, nonRetryable: true, details: [{ reason: a.reason, action: a.action }] });
  }

  /**
   * Who started the decision (a token came with it) and whether they may ask what they asked:
   * a `targetOverride` needs role operator. Returns the refusal message, or undefined.
   */
  async function authorizeStart(ctx: DecisionContext): Promise<string | undefined> {
    const token = typeof input.token === 'string' && input.token !== '' ? input.token : undefined;
    let verdict: TokenVerdict | undefined;
    if (token && ctx.auth?.mode === 'oidc') {
      verdict = await proof({ token }, ctx.auth, 'decide');
      if (verdict.ok) record.requester = { identity: verdict.principal.identity, roles: verdict.principal.roles, verified: true };
      else log.warn('the token the decision was started with was refused', { decisionId: record.id, reason: verdict.reason });
    }
    if (input.targetOverride === undefined || input.targetOverride === null || ctx.auth?.mode === 'unverified') return undefined;
    const action = 'decision.targetOverride' as const;
    const roles = record.requester?.roles ?? [];
    if (record.requester && hasRole(roles, ACTION_ROLES[action])) return undefined;
    const why = !ctx.auth ? NO_AUTH_MESSAGE : verdict && !verdict.ok ? `${verdict.reason}: ${verdict.message}` : !token ? 'start the decision with a token (kinetic login)' : undefined;
    const message = deniedMessage(action, record.requester?.identity, roles, why);
    record.access = { action, needed: ACTION_ROLES[action], identity: record.requester?.identity, roles, allowed: false, message };
    return message;
  }

  const enter = (stage: DecisionStage) => {
    record.stage = stage;
    record.timings[stage] = new Date().toISOString();
    // Visible in lists while the decision waits outside its workflow task; the others are held.
    if (WAITING_STAGES.has(stage)) attributes.flush({ key: SA_STAGE, value: stage });
    else attributes.set({ key: SA_STAGE, value: stage });
    explain();
  };
  const finish = (outcome: DecisionOutcome, reason: string) => {
    record.outcome = outcome;
    record.reason = reason;
    explain();
  };
  // Undo steps, newest first; each is registered *before* its step runs, because an apply can half-succeed.
  const undo: Array<{ step: string; run: () => Promise<string> }> = [];
  let provisioningStarted = false;
  /** The budget release a failed compensation kept back for the operator's resolution. */
  let heldRelease: { step: string; run: () => Promise<string> } | undefined;
  /** Set at the commit step (saga change merged-decision-steps): the record step commits the reservation first. */
  let commitWithRecord: { root?: string } | undefined;

  try {
    context = await acts.pure.loadDecisionContext({ decisionId: input.decisionId, service: input.service });
    if (authenticated) {
      const denied = await authorizeStart(context);
      if (denied) {
        finish('permission-denied', denied);
        return await close();
      }
    }
    // From here on the provisioner and the budget root are the ones recorded now, never a fresh
    // read of kinetic.yaml: a bad edit during the decision cannot break its rollback or release.
    recorded = changes.has(COMPENSATE_FROM_RECORD_PATCH) ? context.recorded : undefined;
    const budgetRoot = recorded ? { root: recorded.budgetRoot } : {};
    const provisioner = recorded ? { provisioner: recorded.provisioner } : {};
    enter('forecast');
    record.forecast = await acts.forecast.forecastDemand({ decisionId: input.decisionId, context });
    enter('plan');
    // Plan, policy and reservation as one local activity: one activation of this workflow instead
    // of three (decision/reviewed-plan.ts). Decisions started before keep the three steps.
    const oneStep = changes.has(MERGED_STEPS_PATCH)
      ? await acts.pure.planReviewAndReserve({ decisionId: input.decisionId, context, forecast: record.forecast, targetOverride: input.targetOverride, now: Date.now(), dryRun: record.dryRun })
      : undefined;
    let plan: PlanSummary = oneStep ? oneStep.plan : await acts.pure.planCapacity({ context, forecast: record.forecast, targetOverride: input.targetOverride });
    record.plan = plan;
    explain();
    attributes.set({ key: SA_DIRECTION, value: plan.direction });
    upsertMemo({ plan: { from: plan.from, to: plan.to, direction: plan.direction, reason: plan.reason } });
    const gate = planGate(plan);
    if (gate === 'infeasible') {
      const reasons = plan.allocation?.reasons ?? [];
      log.warn('capacity allocation is infeasible', { service: input.service, reasons });
      finish('infeasible', `no allocation fits the pools: ${reasons.join('; ')}`);
      return await close();
    }
    if (gate === 'no-change') {
      finish('no-change', plan.hysteresis?.held ? plan.hysteresis.reason : `the fleet already has the planned ${plan.to} instances`);
      return await close();
    }

    enter('policy');
    const review = oneStep ? oneStep.review! : await acts.pure.checkPolicy({ context, plan, now: Date.now() });
    record.policy = review.policy;
    if (!review.policy.allowed) {
      finish('policy-rejected', review.policy.checks.filter((c) => !c.passed).map((c) => `${c.id ?? c.rule}: ${c.message}`).join('; '));
      return await close();
    }
    // What the review applies now: the plan, or one stage of a staged scale-in. (Reviews recorded
    // before staging existed carry no plan: theirs is the planned one.)
    record.plan = plan = review.plan ?? plan;

    enter('budget');
    const reserved = oneStep ? oneStep.reserved! : await acts.pure.reserveBudget({ decisionId: input.decisionId, context, plan, dryRun: record.dryRun, approval: review.approval });
    const { budget, approval } = budgetStepResult(changes, reserved, review.approval);
    record.budget = budget;
    if (!budget.allowed) {
      finish('budget-rejected', budget.message);
      return await close();
    }
    if (budget.reserved) {
      undo.unshift({
        step: 'release budget',
        run: async () => {
          await acts.pure.releaseBudget({ decisionId: input.decisionId, ...budgetRoot });
          record.budget = { ...record.budget!, released: true };
          return `reservation of ${budget.projectedMonthly.toFixed(2)}/month released`;
        },
      });
    }

    if (record.dryRun) {
      const preview = await acts.quick.previewCapacity({ decisionId: input.decisionId, service: input.service, plan });
      record.provisioning = { provisioner: context.provisioner, changed: false, summary: `preview: ${preview.summary}` };
      finish('dry-run', `dry run: ${preview.summary}; nothing changed`);
      return await close();
    }

    enter('approval');
    if (approval.auto) {
      record.approval = { mode: 'auto', reasons: ['inside the auto-approve bounds'], decision: 'approved', decidedBy: 'policy:auto-approve' };
    } else {
      record.approval = { mode: 'manual', reasons: approval.reasons };
      explain();
      attributes.flush({ key: SA_STAGE, value: 'awaiting-approval' });
      const answered = await condition(() => answer !== undefined, ms(context.approval.timeoutSeconds));
      if (!answered) {
        record.approval = { ...record.approval, decision: 'timeout' };
        await releaseReservation();
        finish('approval-timeout', `no approver answered within ${context.approval.timeoutSeconds}s`);
        return await close();
      }
      if (answer!.kind === 'rejected') {
        await releaseReservation();
        finish('approval-rejected', `rejected by ${answer!.req.identity}${answer!.req.comment ? `: ${answer!.req.comment}` : ''}`);
        return await close();
      }
      if (changes.has(RECHECK_AFTER_APPROVAL_PATCH)) {
        // The person approved a plan made before they answered: the fleet, the policy and the
        // plan's age are checked again; a plan that no longer fits is never applied blindly.
        const fleet = await acts.quick.currentCapacity({ service: input.service, ...provisioner });
        const again = await acts.pure.checkPolicy({ context: { ...context, current: fleet }, plan, now: Date.now() });
        // The reservation held while waiting is checked against today's limits too — unless the
        // person was asked because of the budget (an over-budget plan they approved knowingly).
        const budgetFailures =
          changes.has(BUDGET_RECHECK_PATCH) && record.budget?.reserved && !record.budget.approvalReasons?.length
            ? (await acts.quick.recheckBudget({ decisionId: input.decisionId, context, plan, approval: review.approval })).failures
            : [];
        const verdict = recheckApprovedPlan({
          plan,
          fleet,
          plannedAt: Date.parse(record.timings.plan),
          now: Date.now(),
          maxPlanAgeSeconds: context.approval.maxPlanAgeSeconds ?? DEFAULT_MAX_PLAN_AGE_SECONDS,
          policyFailures: again.policy.checks.filter((c) => !c.passed).map((c) => `${c.id ?? c.rule}: ${c.message}`),
          budgetFailures,
        });
        record.recheck = { ...verdict, at: new Date().toISOString() };
        if (!verdict.ok) {
          // The new proposal: the same forecast planned from the fleet now (the next decision
          // re-plans it with a fresh forecast and asks again).
          const proposal = await acts.pure.planCapacity({ context: { ...context, current: fleet }, forecast: record.forecast, targetOverride: input.targetOverride });
          record.recheck.proposal = { from: proposal.from, to: proposal.to, direction: proposal.direction };
          await releaseReservation();
          finish('re-proposed', reproposalReason(verdict, plan, proposal));
          return await close();
        }
      }
    }

    enter('provision');
    // Rolling back a vertical change also returns to the template the fleet ran before.
    const before = plan.vertical ? { ...context.current, templateVersion: plan.vertical.fromVersion } : context.current;
    undo.unshift({
      step: 'rollback capacity',
      run: async () => {
        const reached = await acts.infra.rollbackCapacity({ service: input.service, previous: before, ...provisioner });
        return `fleet back to ${reached.total} instances`;
      },
    });
    provisioningStarted = true;
    record.provisioning = await acts.infra.applyCapacity({ decisionId: input.decisionId, service: input.service, plan, ...provisioner });

    enter('verify');
    const verification = await acts.verify.verifyCapacity({ decisionId: input.decisionId, service: input.service, plan, ...provisioner });
    record.verification = verification;
    if (!verification.ok) {
      throw ApplicationFailure.nonRetryable(`verification failed: ${verification.reasons.join('; ')}`, 'VerificationFailed');
    }

    enter('commit');
    // With the record (one local activity, one activation fewer): close() commits, then writes.
    if (changes.has(MERGED_STEPS_PATCH)) commitWithRecord = budgetRoot;
    else await acts.pure.commitBudget({ decisionId: input.decisionId, ...budgetRoot });
    finish('committed', `${plan.from} → ${plan.to} instances applied and verified`);
    return await close();
  } catch (err) {
    record.error = rootMessage(err);
    const cancelled = isCancellation(err);
    if (undo.length > 0) {
      enter('compensate');
      const failures = await compensate();
      if (failures > 0) {
        finish('compensation-failed', `${record.error}; compensation failed in ${failures} step(s): needs an operator`);
        if (changes.has(HOLD_FOR_OPERATOR_PATCH)) await CancellationScope.nonCancellable(awaitOperator);
      } else if (cancelled) finish('cancelled', `cancelled; ${provisioningStarted ? 'capacity rolled back' : 'reservation released'}`);
      else finish(provisioningStarted ? 'rolled-back' : 'failed', `${record.error}; ${provisioningStarted ? 'rolled back to the previous capacity' : 'nothing was changed'}`);
    } else if (!cancelled && failureType(err) === 'StaleMetrics' && changes.has(STALE_METRICS_OUTCOME_PATCH)) {
      // Decisions started before this outcome existed end `failed` on replay (they never saw the type).
      finish('stale-metrics', `${record.error}; nothing was changed`);
    } else {
      finish(cancelled ? 'cancelled' : 'failed', cancelled ? 'cancelled before any change' : `${record.error}; nothing was changed`);
    }
    return await CancellationScope.nonCancellable(close);
  }

  async function releaseReservation() {
    const i = undo.findIndex((u) => u.step === 'release budget');
    if (i >= 0) {
      const [step] = undo.splice(i, 1);
      record.compensation.push({ step: step.step, ok: true, message: await step.run() });
    }
  }

  /** Runs every undo, newest first, even after cancellation; a failed undo is recorded, not rethrown. */
  async function compensate(): Promise<number> {
    let failures = 0;
    await CancellationScope.nonCancellable(async () => {
      for (const step of undo.splice(0)) {
        // A failed rollback may leave the new capacity running: its reservation stays held (the
        // authority keeps it while this decision waits) until an operator resolves the decision.
        if (failures > 0 && step.step === 'release budget' && changes.has(HOLD_FOR_OPERATOR_PATCH)) {
          heldRelease = step;
          record.compensation.push({ step: 'hold budget', ok: true, message: 'reservation kept: the fleet may still run the new capacity; `kinetic resolve` commits or releases it' });
          continue;
        }
        try {
          record.compensation.push({ step: step.step, ok: true, message: await step.run() });
        } catch (e) {
          failures++;
          log.error('compensation step failed', { step: step.step, error: rootMessage(e) });
          record.compensation.push({ step: step.step, ok: false, message: rootMessage(e) });
        }
      }
    });
    return failures;
  }

  /**
   * `compensation-failed`: an error alert (logged; POSTed to the recorded `budgets.alerts.webhook`
   * with an idempotency key), then stage `needs-operator` until the `resolve` Update. The
   * resolution reads the fleet through the recorded provisioner: it runs the plan → the held
   * reservation is committed, anything else → released.
   */
  async function awaitOperator(): Promise<void> {
    enter('needs-operator');
    const idempotencyKey = `${record.id}/compensation-failed`;
    const resolveWith = authenticated && context?.auth?.mode === 'oidc' ? `kinetic resolve ${record.id} [--comment TEXT]` : `kinetic resolve ${record.id} --as <approver> [--comment TEXT]`;
    log.error('compensation failed: the decision needs an operator', { decisionId: record.id, reason: record.reason, resolveWith });
    const alerting = acts.alert
      .deliverOperatorAlert({
        alert: { decisionId: record.id, service: record.service, workflowId: record.workflowId, message: record.reason ?? '', compensation: record.compensation, resolveWith },
        webhook: recorded?.alertsWebhook,
        idempotencyKey,
      })
      .then(
        (r) => void (record.operatorAlert = { ok: true, detail: r.detail, idempotencyKey }),
        (e) => void (record.operatorAlert = { ok: false, detail: rootMessage(e), idempotencyKey }),
      );
    for (;;) {
      await condition(() => resolveReq !== undefined);
      const req = resolveReq!;
      try {
        let fleet: CapacityState | undefined;
        let budget: 'committed' | 'released' | 'none' = 'none';
        if (heldRelease || (record.budget?.reserved && !record.budget.released)) {
          fleet = await acts.quick.currentCapacity({ service: record.service, ...(recorded ? { provisioner: recorded.provisioner } : {}) });
          if (record.plan && fleetRunsPlan(fleet.tiers, record.plan)) {
            await acts.pure.commitBudget({ decisionId: record.id, ...(recorded ? { root: recorded.budgetRoot } : {}) });
            budget = 'committed';
          } else {
            await acts.pure.releaseBudget({ decisionId: record.id, ...(recorded ? { root: recorded.budgetRoot } : {}) });
            record.budget = { ...record.budget!, released: true };
            budget = 'released';
          }
        }
        const message = resolutionMessage(req.identity ?? 'an operator', fleet?.total, budget, record.plan?.to);
        await alerting;
        record.resolution = { by: req.identity ?? 'an operator', comment: req.comment, at: new Date().toISOString(), fleet, budget, message };
        record.reason = `${record.reason}; ${message}${req.comment ? `: ${req.comment}` : ''}`;
        return;
      } catch (e) {
        resolveFailed = rootMessage(e);
        resolveReq = undefined;
      }
    }
  }

  /** Writes the record to the audit log once and marks the workflow with its outcome. */
  async function close(): Promise<DecisionRecord> {
    enter('record');
    record.finishedAt = new Date().toISOString();
    record.timings.finishedAt = record.finishedAt;
    if (changes.has(RECORD_UNTIL_WRITTEN_PATCH)) {
      // No unaudited completion: the decision stays in stage `record` until the sink has the record.
      await CancellationScope.nonCancellable(async () => {
        try {
          const commit = commitWithRecord;
          commitWithRecord = undefined;
          if (commit) await acts.pure.commitBudgetAndRecord(record, recorded?.audit, commit);
          else await acts.pure.recordDecision(record, recorded?.audit);
        } catch (e) {
          // A failed commit fails the decision's commit step, as before: the saga compensates.
          if (failureType(e) === BUDGET_COMMIT_FAILED) throw e;
          log.warn('audit record not written yet; retrying until the audit log takes it', { error: rootMessage(e) });
          attributes.flush();
          await acts.audit.recordDecision(record, recorded?.audit);
        }
      });
    } else {
      // Decisions started before the patch: a failed write was logged and the decision completed.
      try {
        await CancellationScope.nonCancellable(() => acts.pure.recordDecision(record));
      } catch (e) {
        log.error('audit ledger write failed', { error: rootMessage(e) });
        record.reason = `${record.reason ?? ''}; audit ledger write failed: ${rootMessage(e)}`;
      }
    }
    record.stage = 'done';
    explain();
    attributes.flush(
      { key: SA_STAGE, value: 'done' },
      { key: SA_OUTCOME, value: record.outcome ?? 'failed' },
    );
    await condition(allHandlersFinished);
    return record;
  }
}

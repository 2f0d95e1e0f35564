/**
 * The typed client other systems import to trigger and steer decisions:
 * startDecision, approve, reject, getDecision, listDecisions.
 */
import { randomBytes } from 'node:crypto';
import {
  Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateFailedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ApprovalRequest, DecisionInput, DecisionTrigger } from '../decision/input';
import { APPROVAL_REFUSED, type RefusalReason } from '../decision/approval-attempts';
import type { Direction } from '../decision/plan';
import type { DecisionOutcome, DecisionRecord } from '../decision/record';
import { decisionSummary } from '../decision/details';
import {
  approveUpdate,
  decisionRecordQuery,
  decisionWorkflowId,
  DEFAULT_TASK_QUEUE,
  rejectUpdate,
  resolveUpdate,
  SA_DECISION_ID,
  SA_DIRECTION,
  SA_OUTCOME,
  SA_SERVICE,
  SA_STAGE,
} from '../workflows/definitions';
import { scalingDecision } from '../workflows/scaling-decision';
import { ATTR } from '../observability/decision-attributes';
import { withSpan } from '../observability/spans';

export { connectClient, resolveTemporalTarget } from './connection';

export interface StartDecisionOptions extends Partial<Omit<DecisionInput, 'service' | 'decisionId'>> {
  taskQueue?: string;
  /** When a decision for the service is running: wait for it and start after (default), or fail. */
  ifRunning?: 'wait' | 'fail';
  /** Longest wait for a running decision before giving up (ms). */
  waitTimeoutMs?: number;
  /** Called while this request waits behind a running decision: once at first, then on each change of its stage. */
  onWaiting?: (running: WaitingBehind) => void;
}

/** The running decision a new one waits for (one decision per service at a time). */
export interface WaitingBehind {
  service: string;
  workflowId: string;
  /** Its decision id (memo or search attribute); undefined for a run that carries neither. */
  decisionId?: string;
  stage?: string;
  /** True for the first report of this wait. */
  first: boolean;
  waitedMs: number;
}

export interface StartedDecision {
  decisionId: string;
  workflowId: string;
  runId: string;
}

export interface DecisionSummary {
  decisionId: string;
  service: string;
  workflowId: string;
  runId: string;
  status: string;
  stage?: string;
  direction?: string;
  outcome?: string;
  startTime: Date;
  closeTime?: Date;
}

/**
 * A request the client refuses before anything starts or reaches Temporal (nothing is recorded):
 * the message names the field and says what to pass instead.
 */
export class DecisionInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecisionInputError';
  }
}

/** Service names as config/schema.ts accepts them under `services:`. */
const SERVICE_NAME = /^[a-z][a-z0-9-]{0,62}$/;

function checkDecisionRequest(service: string, targetOverride: unknown): void {
  if (typeof service !== 'string' || !SERVICE_NAME.test(service)) {
    throw new DecisionInputError(
      `service ${JSON.stringify(service)}: not a service name; use a service defined under services: in kinetic.yaml (lowercase letters, digits and dashes, starting with a letter)`,
    );
  }
  if (targetOverride !== undefined && (typeof targetOverride !== 'number' || !Number.isInteger(targetOverride) || targetOverride < 0)) {
    throw new DecisionInputError(`targetOverride ${JSON.stringify(targetOverride)}: the target must be a whole number of instances >= 0 (kinetic decide --target N), or left out to plan from the forecast`);
  }
}

/**
 * Who answers: a token from the organisation's OpenID provider (auth in oidc mode), or — with
 * auth: { mode: unverified } only — a typed identity. A plain string is a typed identity.
 */
export type Answerer = string | { token?: string; identity?: string };

function requestOf(who: Answerer, comment?: string): ApprovalRequest {
  return typeof who === 'string' ? { identity: who, comment } : { ...(who.token ? { token: who.token } : {}), ...(who.identity ? { identity: who.identity } : {}), comment };
}

/**
 * An answer the decision refused (issue 14): `reason` is the stable code (expired, wrong-audience,
 * bad-signature, forged-identity, not-an-approver, own-decision, duplicate-approver, …). The
 * attempt is in the decision record's `approval.attempts` (resolve: `resolveAttempts`).
 */
export class ApprovalRefusedError extends WorkflowUpdateFailedError {
  constructor(
    message: string,
    readonly reason: RefusalReason,
    cause: Error,
  ) {
    super(message, cause);
  }
}

/** The Update's failure as ApprovalRefusedError when the decision refused the attempt; anything else as is. */
function namedRefusal(e: unknown): never {
  const cause = (e as { cause?: unknown }).cause;
  if (e instanceof WorkflowUpdateFailedError && cause instanceof ApplicationFailure && cause.type === APPROVAL_REFUSED) {
    const reason = (cause.details?.[0] as { reason?: RefusalReason } | undefined)?.reason ?? 'invalid-token';
    throw new ApprovalRefusedError(cause.message, reason, cause);
  }
  throw e;
}

function checkAnswer(verb: 'approve' | 'reject', who: Answerer, reason?: string): void {
  const req = requestOf(who);
  const blank = (v: unknown) => typeof v !== 'string' || v.trim() === '';
  if (blank(req.identity) && blank(req.token)) {
    throw new DecisionInputError(`${verb}: identity is empty and there is no token; pass who answers (--as USER, with auth: { mode: unverified }) or the token of \`kinetic login\` (auth in oidc mode)`);
  }
  if (verb === 'reject' && (typeof reason !== 'string' || reason.trim() === '')) {
    throw new DecisionInputError('reject: reason is empty; say why the change is rejected (--reason TEXT): it is kept in the audit log');
  }
}

/** Decision ids read as `<service>-<UTC yyyymmddhhmmss>-<4 hex>`, so people can tell them apart. */
export function newDecisionId(service: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${service}-${stamp}-${randomBytes(2).toString('hex')}`;
}

export function serviceOfDecisionId(decisionId: string): string {
  const m = /^(.*)-\d{14}-[0-9a-f]{4}$/.exec(decisionId);
  if (!m) throw new Error(`"${decisionId}" is not a decision id (expected <service>-<yyyymmddhhmmss>-<4 hex>)`);
  return m[1];
}

export class KineticClient {
  constructor(
    readonly client: Client,
    readonly taskQueue = DEFAULT_TASK_QUEUE,
  ) {}

  /**
   * Starts a decision. Temporal allows one running decision per service (workflow id per service),
   * so by default a second request waits for the running one to finish, then starts.
   */
  async startDecision(service: string, opts: StartDecisionOptions = {}): Promise<StartedDecision> {
    checkDecisionRequest(service, opts.targetOverride);
    const decisionId = newDecisionId(service);
    const input: DecisionInput = {
      decisionId,
      service,
      trigger: opts.trigger ?? ({ kind: 'api' } satisfies DecisionTrigger),
      dryRun: opts.dryRun,
      targetOverride: opts.targetOverride,
      timeouts: opts.timeouts,
      ...(opts.token ? { token: opts.token } : {}),
    };
    const workflowId = decisionWorkflowId(service);
    const deadline = Date.now() + (opts.waitTimeoutMs ?? 3_600_000);
    // Traced (a client built with OpenTelemetry interceptors): the root of the decision's trace,
    // over every StartWorkflow attempt and any wait for the service's running decision.
    return withSpan('StartDecision', { [ATTR.service]: service, [ATTR.decisionId]: decisionId }, () => this.startWorkflow(input, workflowId, deadline, opts));
  }

  private async startWorkflow(input: DecisionInput, workflowId: string, deadline: number, opts: StartDecisionOptions): Promise<StartedDecision> {
    const { decisionId, service } = input;
    for (;;) {
      try {
        const handle = await this.client.workflow.start(scalingDecision, {
          workflowId,
          taskQueue: opts.taskQueue ?? this.taskQueue,
          args: [input],
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
          typedSearchAttributes: [
            { key: SA_SERVICE, value: service },
            { key: SA_DECISION_ID, value: decisionId },
            { key: SA_STAGE, value: 'starting' },
          ],
          memo: { decisionId, trigger: input.trigger },
          // The Web UI's one-line summary; the workflow sets the attributes above and memo itself too.
          staticSummary: decisionSummary(service, decisionId),
        });
        return { decisionId, workflowId, runId: handle.firstExecutionRunId };
      } catch (e) {
        if (!(e instanceof WorkflowExecutionAlreadyStartedError) || opts.ifRunning === 'fail') throw e;
        if (Date.now() > deadline) throw new Error(`a decision for ${service} is still running after the wait timeout`);
        // Serialise: wait for the running decision to close, then try again.
        await this.waitBehind(service, workflowId, deadline, opts.onWaiting);
      }
    }
  }

  /** Waits for the running decision of the service to close, reporting its progress to `onWaiting`. */
  private async waitBehind(service: string, workflowId: string, deadline: number, onWaiting?: (running: WaitingBehind) => void): Promise<void> {
    const handle = this.client.workflow.getHandle(workflowId);
    let closed = false;
    const done = handle.result().then(
      () => void (closed = true),
      () => void (closed = true),
    );
    if (!onWaiting) return done;
    const since = Date.now();
    let last = '';
    let reports = 0;
    while (!closed && Date.now() < deadline) {
      const desc = await handle.describe().catch(() => undefined);
      if (desc && desc.status.name !== 'RUNNING') break;
      const decisionId = (desc?.memo as { decisionId?: string } | undefined)?.decisionId ?? desc?.typedSearchAttributes.get(SA_DECISION_ID);
      const stage = desc?.typedSearchAttributes.get(SA_STAGE);
      if (`${decisionId}/${stage}` !== last) {
        last = `${decisionId}/${stage}`;
        onWaiting({ service, workflowId, decisionId, stage, first: reports++ === 0, waitedMs: Date.now() - since });
      }
      await Promise.race([done, new Promise((r) => setTimeout(r, 1000))]);
    }
  }

  /** The workflow handle of a decision id (the running or the closed run that carries it). */
  private async handleOf(decisionId: string) {
    const service = serviceOfDecisionId(decisionId);
    const latest = this.client.workflow.getHandle(decisionWorkflowId(service));
    try {
      const desc = await latest.describe();
      const memoId = (desc.memo as { decisionId?: string } | undefined)?.decisionId;
      if (memoId === decisionId) return this.client.workflow.getHandle(desc.workflowId, desc.runId);
    } catch (e) {
      if (!(e instanceof WorkflowNotFoundError)) throw e;
    }
    for await (const wf of this.client.workflow.list({ query: `KineticDecisionId = "${decisionId}"` })) {
      return this.client.workflow.getHandle(wf.workflowId, wf.runId);
    }
    throw new Error(`no decision ${decisionId} found (it may not have started yet, or the id is mistyped)`);
  }

  /** Approves; refused attempts throw ApprovalRefusedError (and are recorded in the decision). */
  async approve(decisionId: string, who: Answerer, comment?: string): Promise<DecisionRecord> {
    checkAnswer('approve', who);
    const h = await this.handleOf(decisionId);
    return h.executeUpdate(approveUpdate, { args: [requestOf(who, comment)] }).catch(namedRefusal);
  }

  /**
   * Closes a `compensation-failed` decision waiting in stage `needs-operator`, after an operator
   * fixed the fleet: the held reservation is committed (the fleet runs the plan) or released.
   * Resolves to the record with its `resolution`.
   */
  async resolve(decisionId: string, who: Answerer, comment?: string): Promise<DecisionRecord> {
    const h = await this.handleOf(decisionId);
    return h.executeUpdate(resolveUpdate, { args: [requestOf(who, comment)] }).catch(namedRefusal);
  }

  async reject(decisionId: string, who: Answerer, reason?: string): Promise<DecisionRecord> {
    checkAnswer('reject', who, reason);
    const h = await this.handleOf(decisionId);
    return h.executeUpdate(rejectUpdate, { args: [requestOf(who, reason)] }).catch(namedRefusal);
  }

  /** The decision record: live from the running workflow, or the final one once closed. */
  async getDecision(decisionId: string): Promise<DecisionRecord> {
    const h = await this.handleOf(decisionId);
    const desc = await h.describe();
    if (desc.status.name === 'RUNNING') return h.query(decisionRecordQuery);
    if (desc.status.name === 'COMPLETED') return (await h.result()) as DecisionRecord;
    return h.query(decisionRecordQuery);
  }

  /** Waits for a decision to finish and returns its record. */
  async waitForDecision(decisionId: string): Promise<DecisionRecord> {
    const h = await this.handleOf(decisionId);
    return (await h.result()) as DecisionRecord;
  }

  async listDecisions(opts: { service?: string; outcome?: DecisionOutcome; direction?: Direction; limit?: number } = {}): Promise<DecisionSummary[]> {
    const clauses = [`WorkflowType = "scalingDecision"`];
    if (opts.service) clauses.push(`KineticService = "${opts.service}"`);
    if (opts.outcome) clauses.push(`KineticOutcome = "${opts.outcome}"`);
    if (opts.direction) clauses.push(`KineticDirection = "${opts.direction}"`);
    const out: DecisionSummary[] = [];
    for await (const wf of this.client.workflow.list({ query: clauses.join(' AND ') })) {
      const sa = wf.typedSearchAttributes;
      out.push({
        decisionId: sa.get(SA_DECISION_ID) ?? '',
        service: sa.get(SA_SERVICE) ?? '',
        workflowId: wf.workflowId,
        runId: wf.runId,
        status: wf.status.name,
        stage: sa.get(SA_STAGE),
        direction: sa.get(SA_DIRECTION),
        outcome: sa.get(SA_OUTCOME),
        startTime: wf.startTime,
        closeTime: wf.closeTime,
      });
      if (out.length >= (opts.limit ?? 50)) break;
    }
    return out;
  }
}

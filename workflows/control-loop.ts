/**
 * The per-service control loop: every interval it starts a `scalingDecision` child under the
 * service's decision workflow id (a dry run in forecast-only mode) and records what the decision
 * did. It does not forecast or plan itself: the decision runs the one planner and stores the
 * prediction reweighting scores. While the cooldown runs it records that instead of starting a
 * decision. Long-lived: it continues-as-new carrying its state, and signals pause, resume, change
 * the interval or stop it. Deterministic only.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  startChild,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { DecisionActivities } from '../activities';
import type { LoopObservation } from '../activities/loop';
import type { DecisionTimeouts } from '../decision/input';
import type { DecisionOutcome } from '../decision/record';
import { decisionWorkflowId, NON_RETRYABLE_TYPES, SA_DECISION_ID, SA_SERVICE, SA_STAGE } from './definitions';
import { accessDeniedRecord, ACTION_ROLES, deniedMessage } from '../decision/access';
import { PERMISSION_DENIED } from '../decision/approval-attempts';
import { hasRole, type Role } from '../decision/roles';
import { scalingDecision } from './scaling-decision';

export type LoopMode = 'act' | 'forecast-only';

export interface LoopEvent {
  iteration: number;
  at: string;
  action: 'hold' | 'cooldown' | 'would-scale' | 'decision' | 'decision-busy' | 'error';
  from?: number;
  to?: number;
  decisionId?: string;
  outcome?: DecisionOutcome;
  reason: string;
}

/** Everything the loop carries across continue-as-new. */
export interface LoopState {
  iteration: number;
  paused: boolean;
  stopRequested: boolean;
  /** Set by the setInterval signal; overrides input and config. */
  intervalSeconds?: number;
  decisionsStarted: number;
  /** Runs of this loop so far (1 + continue-as-new count). */
  runs: number;
  lastDecision?: { decisionId: string; outcome?: DecisionOutcome; at: string; from: number; to: number };
  /** The newest events, oldest first (bounded so state stays small). */
  recent: LoopEvent[];
  /** `auth.mode` at the last observation ('none': no auth block): with oidc the plain signals are ignored. */
  authMode?: 'oidc' | 'unverified' | 'none';
}

/** What `kinetic loop stop|pause|resume|interval` sends: the action and the caller's token (issue 14). */
export interface LoopControlRequest {
  action: 'stop' | 'pause' | 'resume' | 'interval';
  /** `interval` only: the new interval in seconds. */
  seconds?: number;
  /** The caller's OpenID Connect token (auth in oidc mode). */
  token?: string;
}

export interface ControlLoopInput {
  service: string;
  /** Overrides learning.loop.mode from config. */
  mode?: LoopMode;
  /** Overrides learning.loop.interval / decisionInterval (tests use 1–2 s). */
  intervalSeconds?: number;
  /** Continue-as-new after this many iterations in one run (also when Temporal suggests it). */
  iterationsPerRun?: number;
  /** Stop (return) after this many iterations in total; unbounded when absent. */
  maxIterations?: number;
  /** Passed to every decision the loop starts. */
  decisionTimeouts?: Partial<DecisionTimeouts>;
  /** Activity start-to-close of one observation. */
  observeTimeoutSeconds?: number;
  state?: LoopState;
}

export interface LoopStatus extends LoopState {
  service: string;
  mode: LoopMode | 'config';
  effectiveIntervalSeconds: number;
  runId: string;
  lastObservation?: LoopObservation;
}

export const pauseLoopSignal = defineSignal('pauseLoop');
export const resumeLoopSignal = defineSignal('resumeLoop');
export const stopLoopSignal = defineSignal('stopLoop');
export const setLoopIntervalSignal = defineSignal<[number]>('setLoopInterval');
export const loopStatusQuery = defineQuery<LoopStatus>('loopStatus');
/**
 * The authenticated way to steer a loop: the token is verified in the worker and the action needs
 * role operator; a refusal fails the Update with PermissionDenied and is written to the audit log.
 */
export const loopControlUpdate = defineUpdate<LoopState, [LoopControlRequest]>('loopControl');

export function loopWorkflowId(service: string): string {
  return `loop-${service}`;
}

const RECENT_EVENTS = 20;
const DEFAULT_ITERATIONS_PER_RUN = 500;

export async function controlLoop(input: ControlLoopInput): Promise<LoopState> {
  const info = workflowInfo();
  const state: LoopState = input.state ?? { iteration: 0, paused: false, stopRequested: false, decisionsStarted: 0, runs: 0, recent: [] };
  state.runs++;
  let wake = false;
  let lastObservation: LoopObservation | undefined;
  const interval = () => state.intervalSeconds ?? input.intervalSeconds ?? lastObservation?.configIntervalSeconds ?? 300;

  const push = (e: LoopEvent) => {
    state.recent.push(e);
    if (state.recent.length > RECENT_EVENTS) state.recent.splice(0, state.recent.length - RECENT_EVENTS);
  };
  /** The plain signals carry no identity: with auth in oidc mode they are ignored (and said so). */
  const signalled = (name: string, apply: () => void) => () => {
    if (state.authMode === 'oidc' || state.authMode === 'none') {
      push({ iteration: state.iteration, at: new Date().toISOString(), action: 'error', reason: `${name} signal ignored: auth ${state.authMode === 'oidc' ? 'is in oidc mode' : 'is not configured'}; use \`kinetic loop\` (an authenticated Update)` });
      return;
    }
    apply();
  };
  const control = {
    pause: () => {
      state.paused = true;
      wake = true;
    },
    resume: () => {
      state.paused = false;
      wake = true;
    },
    stop: () => {
      state.stopRequested = true;
      wake = true;
    },
    interval: (seconds: number) => {
      if (Number.isFinite(seconds) && seconds > 0) {
        state.intervalSeconds = seconds;
        wake = true;
      }
    },
  };
  setHandler(pauseLoopSignal, signalled('pauseLoop', control.pause));
  setHandler(resumeLoopSignal, signalled('resumeLoop', control.resume));
  setHandler(stopLoopSignal, signalled('stopLoop', control.stop));
  setHandler(setLoopIntervalSignal, (seconds: number) => signalled('setLoopInterval', () => control.interval(seconds))());
  const authActs = proxyLocalActivities<DecisionActivities>({
    startToCloseTimeout: 15_000,
    retry: { initialInterval: 500, backoffCoefficient: 2, maximumInterval: 5000, maximumAttempts: 3 },
  });
  setHandler(
    loopControlUpdate,
    async (req: LoopControlRequest) => {
      const action = `loop.${req.action}` as const;
      const auth = await authActs.currentAuth();
      let identity: string | undefined;
      let roles: Role[] = [];
      let why: string | undefined;
      if (!auth) why = 'auth is not configured (kinetic.yaml has no auth: block)';
      else if (auth.mode === 'oidc') {
        if (!req.token) why = 'no token: run `kinetic login`';
        else {
          const v = await authActs.verifyToken({ token: req.token, auth });
          if (v.ok) ({ identity, roles } = v.principal);
          else why = `${v.reason}: ${v.message}`;
        }
      }
      if (auth?.mode !== 'unverified' && (why || !hasRole(roles, ACTION_ROLES[action]))) {
        const message = deniedMessage(action, identity, roles, why);
        const at = new Date().toISOString();
        push({ iteration: state.iteration, at, action: 'error', reason: message });
        await authActs.recordAccessDenied(
          accessDeniedRecord({ id: `${info.workflowId}-denied-${uuid4()}`, service: input.service, action, identity, roles, message, at, workflowId: info.workflowId, runId: info.runId }),
        );
        throw ApplicationFailure.create({ message, type: PERMISSION_DENIED, nonRetryable: true, details: [{ action, needed: ACTION_ROLES[action] }] });
      }
      if (req.action === 'interval') control.interval(req.seconds ?? NaN);
      else control[req.action]();
      return state;
    },
    {
      validator: (req: LoopControlRequest) => {
        if (!req || !['stop', 'pause', 'resume', 'interval'].includes(req.action)) throw new Error('action must be stop, pause, resume or interval');
        if (req.action === 'interval' && !(typeof req.seconds === 'number' && Number.isFinite(req.seconds) && req.seconds > 0)) {
          throw new Error('interval needs seconds > 0');
        }
      },
    },
  );
  setHandler(loopStatusQuery, () => ({
    ...state,
    service: input.service,
    mode: input.mode ?? lastObservation?.mode ?? 'config',
    effectiveIntervalSeconds: interval(),
    runId: info.runId,
    lastObservation,
  }));

  const acts = proxyActivities<DecisionActivities>({
    startToCloseTimeout: (input.observeTimeoutSeconds ?? 120) * 1000,
    heartbeatTimeout: (input.observeTimeoutSeconds ?? 120) * 1000,
    retry: { initialInterval: 500, backoffCoefficient: 2, maximumInterval: 10_000, maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE_TYPES },
  });

  let iterationsThisRun = 0;
  for (;;) {
    if (state.stopRequested || (input.maxIterations !== undefined && state.iteration >= input.maxIterations)) break;
    if (iterationsThisRun >= (input.iterationsPerRun ?? DEFAULT_ITERATIONS_PER_RUN) || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof controlLoop>({ ...input, state });
    }
    if (state.paused) {
      await condition(() => !state.paused || state.stopRequested);
      continue;
    }
    const iteration = state.iteration;
    const now = new Date().toISOString();
    try {
      // The id is unique per loop chain and iteration, so a retried activity stores nothing twice.
      const obs = await acts.observeService({
        service: input.service,
        loopId: info.workflowId,
        predictionId: `${info.workflowId}:${info.firstExecutionRunId}:${iteration}`,
        mode: input.mode,
      });
      lastObservation = obs;
      if (obs.authMode) state.authMode = obs.authMode;
      if (patched('loop-only-triggers-decisions')) {
        if (obs.cooldownRemainingSeconds > 0) {
          push({ iteration, at: now, action: 'cooldown', from: obs.current, reason: `cooldown has ${obs.cooldownRemainingSeconds}s left: no decision this time` });
        } else await decide(iteration, obs, obs.mode === 'forecast-only');
      } else {
        // Iterations recorded before the loop only triggered decisions: it planned on its own.
        const p = obs.proposal!;
        if (p.action !== 'scale') push({ iteration, at: now, action: p.action, from: p.current, to: p.planned, reason: p.reason });
        else if (p.mode === 'forecast-only') push({ iteration, at: now, action: 'would-scale', from: p.current, to: p.planned, reason: p.reason });
        else await decide(iteration, obs, false);
      }
    } catch (e) {
      log.warn('control loop iteration failed', { service: input.service, iteration, error: String(e) });
      push({ iteration, at: now, action: 'error', reason: (e as Error).message ?? String(e) });
    }
    state.iteration++;
    iterationsThisRun++;
    if (input.maxIterations !== undefined && state.iteration >= input.maxIterations) break;
    wake = false;
    await condition(() => wake || state.stopRequested, interval() * 1000);
  }
  await condition(allHandlersFinished);
  return state;

  /** Starts the decision as a child under the service's decision id; if one is running, waits for it (up to an interval). */
  async function decide(iteration: number, obs: LoopObservation, dryRun: boolean): Promise<void> {
    const p = obs.proposal;
    const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
    const decisionId = `${input.service}-${stamp}-${uuid4().slice(0, 4)}`;
    const why = p ? p.reason : dryRun ? 'forecast-only: what would a decision do now' : 'scheduled decision';
    const trigger = { kind: 'control-loop' as const, by: info.workflowId, note: `iteration ${iteration}: ${why}` };
    const giveUpAt = Date.now() + interval() * 1000;
    for (;;) {
      try {
        const child = await startChild(scalingDecision, {
          workflowId: decisionWorkflowId(input.service),
          args: [{ decisionId, service: input.service, trigger, timeouts: input.decisionTimeouts, ...(dryRun ? { dryRun } : {}) }],
          // A decision mid-provisioning must finish (or compensate) even if the loop is stopped.
          parentClosePolicy: ParentClosePolicy.ABANDON,
          typedSearchAttributes: [
            { key: SA_SERVICE, value: input.service },
            { key: SA_DECISION_ID, value: decisionId },
            { key: SA_STAGE, value: 'starting' },
          ],
          memo: { decisionId, trigger },
        });
        state.decisionsStarted++;
        state.lastDecision = { decisionId, at: new Date().toISOString(), from: p?.current ?? obs.current, to: p?.planned ?? obs.current };
        const record = await child.result();
        const from = record.plan?.from ?? state.lastDecision.from;
        const to = record.plan?.to ?? state.lastDecision.to;
        state.lastDecision = { ...state.lastDecision, outcome: record.outcome, from, to };
        // forecast-only: what a decision would have done; act: the decision ran, its outcome says what it did.
        const action = !dryRun ? 'decision' : record.outcome === 'dry-run' ? 'would-scale' : 'hold';
        push({ iteration, at: new Date().toISOString(), action, decisionId, outcome: record.outcome, from, to, reason: record.reason ?? why });
        return;
      } catch (e) {
        if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
        if (Date.now() >= giveUpAt || state.stopRequested) {
          push({ iteration, at: new Date().toISOString(), action: 'decision-busy', from: obs.current, reason: 'another decision for this service is still running; retrying next interval' });
          return;
        }
        await sleep(Math.min(2000, interval() * 1000));
      }
    }
  }
}

/**
 * The decision record (README, "Architecture"; its fields under "How a decision works"): one per
 * decision, written once to the audit ledger, returned by `kinetic explain --json` and the client's
 * `getDecision`. A contract: add fields, never rename or remove them without a version note.
 */
import type { CapacityState } from '../provisioners/contract';
import type { ForecastSummary } from './forecast';
import type { DecisionTrigger } from './input';
import type { PlanSummary } from './plan';
import type { ApprovalAttempt } from './approval-attempts';
import type { Role } from './roles';

export type DecisionStage =
  | 'starting'
  | 'forecast'
  | 'plan'
  | 'policy'
  | 'budget'
  | 'approval'
  | 'provision'
  | 'verify'
  | 'commit'
  | 'compensate'
  /** `compensation-failed`: the reservation is held and the decision waits for `kinetic resolve`. */
  | 'needs-operator'
  | 'record'
  | 'done';

export type DecisionOutcome =
  | 'committed'
  | 'no-change'
  | 'dry-run'
  | 'policy-rejected'
  | 'budget-rejected'
  | 'infeasible'
  /** The newest metric sample is older than `metrics.maxStaleness`: nothing planned, nothing changed. */
  | 'stale-metrics'
  | 'approval-rejected'
  | 'approval-timeout'
  /** Approved by a person, but the plan no longer fit when re-checked (fleet, policy, age): not applied. */
  | 're-proposed'
  | 'rolled-back'
  | 'compensation-failed'
  | 'cancelled'
  /** The caller's role does not allow what they asked (e.g. a viewer starting a decision with a target); nothing ran. */
  | 'permission-denied'
  | 'failed';

/** One policy rule's verdict: a stable id (built-in or from kinetic.yaml), its kind, and why. */
export interface PolicyCheckSummary {
  id?: string;
  rule: string;
  passed: boolean;
  message: string;
}

export interface PolicySummary {
  allowed: boolean;
  checks: PolicyCheckSummary[];
}

export interface BudgetSummary {
  allowed: boolean;
  pool: string;
  limit: number;
  projectedMonthly: number;
  projectedTotal: number;
  reserved: boolean;
  released: boolean;
  message: string;
  /** Budget hierarchy: the verdict at each level (service → project → department → company). */
  levels?: Array<{ id: string; level: string; limit: number; projected: number; pct: number; allowed: boolean; message: string }>;
  /** Over a limit with `onExceed: require-approval`: why a person must approve. */
  approvalReasons?: string[];
  /** Alerts this decision fired (each fires once per node, threshold and month). */
  alerts?: string[];
  /** Who pays: the hourly cost change attributed to the service and its budget path. */
  chargeback?: { hourlyDelta: number; monthlyDelta: number; path: string[]; tags: Record<string, string> };
}

export interface ApprovalSummary {
  mode: 'auto' | 'manual' | 'not-needed';
  reasons: string[];
  decidedBy?: string;
  decision?: 'approved' | 'rejected' | 'timeout';
  comment?: string;
  at?: string;
  /** Quorum: how many distinct approvers must approve (absent: 1). */
  required?: number;
  /** Who approved so far (a quorum counts them). */
  approvedBy?: string[];
  /** Every approve/reject attempt, accepted or refused with its reason (issue 14); never the token. */
  attempts?: ApprovalAttempt[];
}

/** Who started the decision, when a token came with the request (four-eyes compares approvers to it). */
export interface RequesterSummary {
  identity: string;
  roles: Role[];
  verified: boolean;
}

/** A privileged action refused for the caller's role (an audit entry of its own, or a decision ended by it). */
export interface AccessSummary {
  /** What was asked, e.g. `decision.targetOverride`, `loop.stop`, `models.promote`. */
  action: string;
  /** The role the action needs. */
  needed: Role;
  identity?: string;
  roles: Role[];
  allowed: boolean;
  message: string;
}

export interface ProvisionSummary {
  provisioner: string;
  changed: boolean;
  summary: string;
  before?: CapacityState;
  after?: CapacityState;
}

export interface VerificationSummary {
  ok: boolean;
  expected: number;
  healthy: number;
  reasons: string[];
}

export interface CompensationStep {
  step: string;
  ok: boolean;
  message: string;
}

/** How an operator closed a `compensation-failed` decision (`kinetic resolve`). */
export interface ResolutionSummary {
  by: string;
  comment?: string;
  at: string;
  /** The fleet the operator left, read through the decision's provisioner. */
  fleet?: CapacityState;
  /** What became of the held reservation: the fleet runs the plan → committed, anything else → released. */
  budget: 'committed' | 'released' | 'none';
  message: string;
}

/** The error alert of a `compensation-failed` decision: logged, and POSTed to `budgets.alerts.webhook` when set. */
export interface OperatorAlertSummary {
  ok: boolean;
  detail: string;
  idempotencyKey: string;
}

export interface DecisionRecord {
  id: string;
  service: string;
  workflowId: string;
  runId: string;
  trigger: DecisionTrigger;
  dryRun: boolean;
  stage: DecisionStage;
  outcome?: DecisionOutcome;
  /** One sentence: why the decision ended the way it did. */
  reason?: string;
  forecast?: ForecastSummary;
  plan?: PlanSummary;
  policy?: PolicySummary;
  budget?: BudgetSummary;
  approval?: ApprovalSummary;
  /** Approve/reject attempts that came before the decision had an approval step (refused, `not-waiting`). */
  answerAttempts?: ApprovalAttempt[];
  provisioning?: ProvisionSummary;
  verification?: VerificationSummary;
  compensation: CompensationStep[];
  /** `compensation-failed` only: the alert sent, and the operator's resolution. */
  operatorAlert?: OperatorAlertSummary;
  /** A manually approved plan, re-checked before it was applied (fleet, policy, age). */
  recheck?: {
    ok: boolean;
    reasons: string[];
    fleetTotal: number;
    ageSeconds: number;
    at: string;
    /** When it no longer fit: the same forecast planned from the fleet now. */
    proposal?: { from: number; to: number; direction: PlanSummary['direction'] };
  };
  resolution?: ResolutionSummary;
  /** The verified identity that started the decision (a token came with the request). */
  requester?: RequesterSummary;
  /** Outcome `permission-denied`: what was refused and why. */
  access?: AccessSummary;
  /** Attempts to resolve a `compensation-failed` decision, accepted or refused. */
  resolveAttempts?: ApprovalAttempt[];
  error?: string;
  /** ISO times of each step's start, plus startedAt/finishedAt. */
  timings: Record<string, string>;
  startedAt: string;
  finishedAt?: string;
}

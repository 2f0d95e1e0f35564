/**
 * The decision record (ARCHITECTURE.md) and the saga's input. Plain data, shared by the workflow,
 * activities, the typed client and the CLI.
 */
import type { CapacityState } from '../provisioners/contract';
import type { RuleCheck } from '../planning/policy';

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
  | 'record'
  | 'done';

export type DecisionOutcome =
  | 'committed'
  | 'no-change'
  | 'dry-run'
  | 'policy-rejected'
  | 'budget-rejected'
  | 'approval-rejected'
  | 'approval-timeout'
  | 'rolled-back'
  | 'compensation-failed'
  | 'cancelled'
  | 'failed';

export type Direction = 'out' | 'in' | 'none';

export interface DecisionTrigger {
  kind: 'manual' | 'api' | 'control-loop' | 'schedule' | 'demo' | 'test';
  /** Who or what asked (user, loop id). */
  by?: string;
  note?: string;
}

/** Activity timeouts; production defaults live in the workflow, tests shorten them. */
export interface DecisionTimeouts {
  /** Start-to-close of quick steps (plan, policy, budget, record). */
  stepSeconds: number;
  /** Start-to-close of the forecast (model fitting). */
  forecastSeconds: number;
  /** Start-to-close of one provisioning attempt (a Pulumi `up`). */
  provisionSeconds: number;
  /** Heartbeat timeout of provisioning and verification. */
  heartbeatSeconds: number;
  /** Start-to-close of verification. */
  verifySeconds: number;
}

export interface DecisionInput {
  decisionId: string;
  service: string;
  trigger: DecisionTrigger;
  /** Compute and preview everything, change nothing. */
  dryRun?: boolean;
  /** Skip the forecast-derived target and plan exactly this many instances (still policy-checked). */
  targetOverride?: number;
  timeouts?: Partial<DecisionTimeouts>;
}

export interface ForecastSummary {
  /** The ensemble and its members' weights, in words. */
  model: string;
  /** Each member's weight and why (recent out-of-sample error). */
  weights?: Array<{ model: string; weight: number; reason: string }>;
  metric: string;
  stepSeconds: number;
  historyPoints: number;
  lastObserved: number;
  /** Steps ahead covered: [fromStep, toStep). */
  fromStep: number;
  toStep: number;
  peakP50: number;
  peakP90: number;
  peakP99: number;
  coldStart: boolean;
  notes: string[];
}

export interface PlanSummary {
  from: number;
  to: number;
  direction: Direction;
  /** Instances the demand needs before clamping. */
  needed: number;
  clampedBy?: 'min' | 'max';
  /** Per tier: from → to. */
  tiers: Record<string, { from: number; to: number }>;
  hourlyCostBefore: number;
  hourlyCostAfter: number;
  reason: string;
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
}

export interface ApprovalSummary {
  mode: 'auto' | 'manual' | 'not-needed';
  reasons: string[];
  decidedBy?: string;
  decision?: 'approved' | 'rejected' | 'timeout';
  comment?: string;
  at?: string;
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
  policy?: { allowed: boolean; checks: RuleCheck[] };
  budget?: BudgetSummary;
  approval?: ApprovalSummary;
  provisioning?: ProvisionSummary;
  verification?: VerificationSummary;
  compensation: CompensationStep[];
  error?: string;
  /** ISO times of each step's start, plus startedAt/finishedAt. */
  timings: Record<string, string>;
  startedAt: string;
  finishedAt?: string;
}

export interface ApprovalRequest {
  identity: string;
  comment?: string;
}

/**
 * The decision record (ARCHITECTURE.md) and the saga's input. Plain data, shared by the workflow,
 * activities, the typed client and the CLI.
 */
import type { CapacityState } from '../provisioners/contract';

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
  | 'infeasible'
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
  /** Forecasts of extra capacity dimensions (`dimensionMetrics`), same window. */
  dimensions?: Record<string, DimensionForecast>;
  /** Demand forecasts per region (`regionMetrics`): their P50 peaks set the allocation's regional mix. */
  regions?: Record<string, DimensionForecast>;
}

export interface DimensionForecast {
  metric: string;
  historyPoints: number;
  model: string;
  peakP50: number;
  peakP90: number;
  peakP99: number;
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
  /** Tiered planning: instances each compute type would need, and why. */
  needs?: Array<{ computeType: string; needed: number; p50Instances: number; bufferPct: number; bindingDimension: string; explanation: string }>;
  /** Tiered planning: SUCCESS (fits today's pools), PENDING (needs provisioning) or FAILURE. */
  allocation?: {
    status: 'SUCCESS' | 'PENDING' | 'FAILURE';
    spotShare: number;
    /** Spot instances expected to be reclaimed per hour (pool interruption rates × counts). */
    expectedInterruptionsPerHour?: number;
    reasons: string[];
    pools: Array<{ poolId: string; computeType: string; region: string; pricing: string; count: number; byInstanceType: Record<string, number>; hourlyCost: number }>;
  };
  hysteresis?: { held: boolean; reason: string };
  /** The instance template version the plan runs (vertical scaling). */
  templateVersion?: number;
  vertical?: {
    fromVersion: number;
    toVersion: number;
    instanceTypes: string[];
    batches: number[];
    rollbackVersion: number;
    summary: string;
  };
  /** Set when the policy cut a scale-in to one stage: the planned target before the cut. */
  staged?: { plannedTo: number; remaining: number; observationSeconds: number; message: string };
}

/** One policy rule's verdict: a stable id (built-in or from kinetic.yaml), its kind, and why. */
export interface PolicyCheckSummary {
  id?: string;
  rule: string;
  passed: boolean;
  message: string;
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
  policy?: { allowed: boolean; checks: PolicyCheckSummary[] };
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

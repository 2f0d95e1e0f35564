/**
 * The Provisioner contract (README.md, "Architecture"): how the saga changes capacity. Implementations:
 * dry-run (state in a file), fault-injecting (tests), pulumi-local (real processes), pulumi-aws.
 * Every method must be idempotent: Temporal retries activities, so apply(plan) twice == once.
 */

/** Desired replicas per tier (tier names come from the service config; "default" when untiered). */
export type TierReplicas = Record<string, number>;

export interface CapacityPlan {
  decisionId: string;
  service: string;
  /** Desired replicas per tier after this decision. */
  tiers: TierReplicas;
  /** Sum of `tiers`. */
  total: number;
  /** Instance template version to run (vertical scaling); provisioners that cannot change it ignore it. */
  templateVersion?: number;
}

export interface CapacityState {
  service: string;
  tiers: TierReplicas;
  total: number;
  /** The instance template version the fleet runs, when the caller knows it (rollback of a vertical change). */
  templateVersion?: number;
  /** Implementation details worth showing (pids, stack version, ASG names). */
  details?: Record<string, unknown>;
}

export interface PreviewResult {
  changes: number;
  summary: string;
}

export interface ApplyResult {
  /** State after the apply. */
  applied: CapacityState;
  /** State before the apply: what rollback() restores. */
  previous: CapacityState;
  /** False when the plan was already in place (an activity retry, for instance). */
  changed: boolean;
  summary: string;
}

export interface VerifyResult {
  ok: boolean;
  expected: number;
  healthy: number;
  reasons: string[];
}

/** The Temporal activity attempt a provisioner call runs in (how Pulumi stack locks are judged across hosts). */
export interface ActivityIdentity {
  workflowId: string;
  runId: string;
  activityId: string;
  activityType: string;
  attempt: number;
  /** The activity's heartbeat timeout in ms, when it has one. */
  heartbeatTimeoutMs?: number;
}

/** Hooks from the calling activity: heartbeats keep a long apply alive; the signal cancels it. */
export interface ProvisionContext {
  heartbeat(details?: unknown): void;
  signal?: AbortSignal;
  /** Set when the call runs in a Temporal activity. */
  activity?: ActivityIdentity;
}

export const noopProvisionContext: ProvisionContext = { heartbeat: () => undefined };

export interface Provisioner {
  readonly kind: string;
  current(service: string): Promise<CapacityState>;
  preview(plan: CapacityPlan): Promise<PreviewResult>;
  apply(plan: CapacityPlan, ctx?: ProvisionContext): Promise<ApplyResult>;
  /** Return to `previous` (idempotent); resolves to the state reached. */
  rollback(previous: CapacityState, ctx?: ProvisionContext): Promise<CapacityState>;
  verify(plan: CapacityPlan, ctx?: ProvisionContext): Promise<VerifyResult>;
}

export function sumTiers(tiers: TierReplicas): number {
  return Object.values(tiers).reduce((a, b) => a + b, 0);
}

import type { ProvisionerConfig, ServiceConfig, StateConfig } from '../config/schema';
import type { TemplateConfig } from '../config/schema-planning';
import type { AnomalyHistoryEntry, AnomalyPolicy } from '../planning/anomaly';
import type { PolicyConfig, Recommendation } from '../planning/policy-engine';
import type { TieredSpec } from '../planning/tiered-plan';
import type { CapacityState } from '../provisioners/contract';
import type { AuthSettings } from './roles';

/** How the service's provisioner was configured when the decision started: rollback builds it from this alone. */
export interface ProvisionerSettings {
  config: ProvisionerConfig;
  /** Absolute state directory (stateDir resolved). */
  stateRoot: string;
  minInstances: number;
  /** A tiered service's pools at their minimum. */
  initialTiers?: Record<string, number>;
  activeTemplate?: number;
  /** The whole service config, only for provisioners that derive their spec from it (pulumi-aws). */
  serviceConfig?: ServiceConfig;
}

/**
 * What compensation needs, captured at the first step: rollback, budget release and the operator
 * alert use only this, never a fresh read of kinetic.yaml (a bad edit during a decision must not
 * turn a failure into `compensation-failed`). Absent in contexts recorded by older code.
 */
export interface RecordedForCompensation {
  /** The budget authority root the reservation lives in. */
  budgetRoot: string;
  provisioner: ProvisionerSettings;
  /** `budgets.alerts.webhook`, where a `compensation-failed` alert is POSTed. */
  alertsWebhook?: string;
  /**
   * Where the audit log is (`state`, the resolved stateDir): the record lands in that sink even
   * after a bad edit. `stateRoot` (here and in `provisioner`) is the recording host's; a worker
   * continuing the decision uses its own state directory (activities/deps.ts).
   */
  audit: { state: StateConfig; stateRoot: string };
}

/** What the saga knows about a service when a decision starts (read once, recorded in history). */
export interface DecisionContext {
  service: string;
  provisioner: string;
  metric: string;
  capacityPerInstance: number;
  targetUtilization: number;
  minInstances: number;
  maxInstances: number;
  leadSeconds: number;
  /** Where the lead time came from (configured or measured), for the forecast notes. */
  leadNote?: string;
  intervalSeconds: number;
  cooldownSeconds: number;
  scaleInStabilizationSeconds: number;
  maxStepChange: number;
  hourlyPerInstance: number;
  budgetPool: string;
  monthlyBudget: number;
  approval: {
    autoApprove: { maxStepChange: number; maxHourlyCostIncrease: number; allowScaleIn: boolean };
    approvers: string[];
    timeoutSeconds: number;
    /** A manually approved plan older than this is re-planned (absent in contexts recorded by older code). */
    maxPlanAgeSeconds?: number;
    /** Quorum of distinct approvers (absent in contexts recorded by older code: 1). */
    required?: number;
    /** Four-eyes off: the requester may approve their own decision. */
    allowSelfApproval?: boolean;
  };
  /** kinetic.yaml's `auth:` when the decision started; absent: no auth configured (or recorded by older code). */
  auth?: AuthSettings;
  current: CapacityState;
  /** Epoch ms when the last committed decision of this service finished. */
  lastCommittedAt?: number;
  lastCommittedId?: string;
  recentRecommendations: Recommendation[];
  /** Epoch ms when the last committed scale-in (or scale-in stage) finished. */
  lastScaleInAt?: number;
  /** Tiered planning (pools configured); undefined for a single-pool service. */
  tiered?: TieredSpec;
  /** The policy engine's rules (classic fields plus the `policy:` block). */
  policy: PolicyConfig;
  budget: { onExceed: 'reject' | 'require-approval'; project?: string; tags: Record<string, string> };
  /** Vertical scaling: the versioned templates, the one asked for and the one last applied. */
  template?: { templates: TemplateConfig[]; active: number; applied?: number };
  recorded?: RecordedForCompensation;
  /** The anomaly rules and the service's recent decisions from the audit log (absent in contexts recorded by older code). */
  anomaly?: { policy: AnomalyPolicy; history: AnomalyHistoryEntry[] };
}

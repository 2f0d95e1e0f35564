/**
 * What starts and steers a decision: the saga's input, its activity timeouts, and an approver's
 * answer. Plain data shared by the workflow, the typed client and the CLI.
 */

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

/** The argument of the `approve` and `reject` Updates. */
export interface ApprovalRequest {
  identity: string;
  comment?: string;
}

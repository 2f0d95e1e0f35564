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
  /**
   * The requester's OpenID Connect token (auth in oidc mode): verified by the worker, it records who
   * started the decision (four-eyes) and carries the role a `targetOverride` needs. Never in the record.
   */
  token?: string;
}

/** The argument of the `approve`, `reject` and `resolve` Updates. */
export interface ApprovalRequest {
  /** Who answers: the proof in oidc mode is `token`; a typed identity alone counts only with auth: { mode: unverified }. */
  identity?: string;
  /** The answerer's OpenID Connect token (JWT), verified by the worker. */
  token?: string;
  comment?: string;
}

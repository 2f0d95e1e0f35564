/**
 * What starts and steers a decision: the saga's input, its activity timeouts, and an approver's
 * answer. Plain data shared by the workflow, the typed client and the CLI.
 */

/** Who or what started a decision. */
export interface DecisionTrigger {
  kind: 'manual' | 'api' | 'control-loop' | 'schedule' | 'demo' | 'test';
  /** Who or what asked (user, loop id). */
  by?: string;
  note?: string;
}

/** Activity timeouts; production defaults live in the workflow, tests shorten them. */
export interface DecisionTimeouts {
  /**
   * Start-to-close of quick steps (plan, policy, budget, record).
   * @minimum 1
   * @maximum 3600
   */
  stepSeconds: number;
  /**
   * Start-to-close of the forecast (model fitting).
   * @minimum 1
   * @maximum 21600
   */
  forecastSeconds: number;
  /**
   * Start-to-close of one provisioning attempt (a Pulumi `up`).
   * @minimum 1
   * @maximum 86400
   */
  provisionSeconds: number;
  /**
   * Heartbeat timeout of provisioning and verification.
   * @minimum 1
   * @maximum 3600
   */
  heartbeatSeconds: number;
  /**
   * Start-to-close of verification.
   * @minimum 1
   * @maximum 86400
   */
  verifySeconds: number;
}

/** The argument of the `scalingDecision` workflow; checked by decision/input-validation.ts before the first step. */
export interface DecisionInput {
  /**
   * `<service>-<UTC yyyymmddhhmmss>-<4 hex digits>`, unique per decision, e.g. `checkout-20261122101500-ab12`.
   * @pattern ^[a-z][a-z0-9-]{0,62}-\d{14}-[0-9a-f]{4}$
   */
  decisionId: string;
  /**
   * A service of kinetic.yaml (`services:`).
   * @pattern ^[a-z][a-z0-9-]{0,62}$
   */
  service: string;
  trigger: DecisionTrigger;
  /** Compute and preview everything, change nothing. */
  dryRun?: boolean;
  /**
   * Skip the forecast-derived target and plan exactly this many instances (still policy-checked).
   * @integer
   * @minimum 0
   * @maximum 100000
   */
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

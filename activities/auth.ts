import type { AuthConfig } from '../config/schema-auth';
import type { StateConfig } from '../config/schema';
import type { TokenVerdict } from '../decision/approval-attempts';
import type { DecisionRecord } from '../decision/record';
import type { AuthSettings } from '../decision/roles';
import { verifyToken } from '../auth/verify-token';
import type { ActivityDeps } from './deps';

/** What a decision records of `auth:` (the CLI's `login` settings stay out of histories). */
export function authSettingsOf(auth: AuthConfig | undefined): AuthSettings | undefined {
  if (!auth) return undefined;
  const { login: _login, ...settings } = auth;
  return settings;
}

/**
 * Token checks for the workflows (local activities: they run in the worker, next to the workflow
 * task). A bad token is a verdict, not an error; only an unreachable JWKS throws (retried).
 */
export function authActivities(deps: ActivityDeps) {
  return {
    async verifyToken(input: { token: string; auth: AuthSettings }): Promise<TokenVerdict> {
      return verifyToken(input.token, input.auth);
    },
    /** `auth:` as kinetic.yaml sets it now (the control loop asks before each privileged signal). */
    async currentAuth(): Promise<AuthSettings | null> {
      return authSettingsOf(deps.config().auth) ?? null;
    },
    /** Appends a refused action (outcome `permission-denied`) to the audit log; idempotent by id. */
    async recordAccessDenied(record: DecisionRecord, at?: { state: StateConfig; stateRoot: string }): Promise<void> {
      await deps.ledger(at).append(record);
    },
  };
}

/**
 * Least privilege for actions that run in the CLI itself, with no workflow to check them (issue 14):
 * model promote/rollback write the model store, schedule changes call Temporal's schedule API,
 * a price refresh writes the catalog kinetic.yaml uses. The check runs in that code path, with
 * the same token verification the worker uses; a refusal is a PermissionDenied error and an
 * audit entry. Anyone who can write the store or Temporal directly is not stopped by it (README).
 */
import { randomBytes } from 'node:crypto';
import { authSettingsOf } from '../activities/auth';
import { verifyToken } from '../auth/verify-token';
import type { LoadedConfig } from '../config/load';
import { accessDeniedRecord, ACTION_ROLES, deniedMessage, type PrivilegedAction } from '../decision/access';
import { hasRole, type Role } from '../decision/roles';
import { auditLogFor } from '../store/audit';
import { callerToken } from './auth-flags';
import { UserError } from './command';

/** A refused action: exit code 1, the message names the action, the role it needs and the caller's. */
export class PermissionDeniedError extends UserError {
  constructor(message: string) {
    super(message, 1);
    this.name = 'PermissionDenied';
  }
}

/**
 * Who may take `action`, or PermissionDeniedError (after the audit entry). Unverified mode: the
 * typed `--as` (or the OS user) and no role check; oidc: the token's identity and roles.
 */
export async function authorizeCliAction(
  action: PrivilegedAction,
  cfg: LoadedConfig,
  opts: { service?: string; as?: string; tokenFile?: string; command: string },
): Promise<{ identity: string; verified: boolean }> {
  const auth = cfg.auth;
  if (auth?.mode === 'unverified') return { identity: opts.as ?? process.env.USER ?? 'cli', verified: false };
  if (auth?.mode === 'oidc' && opts.as) {
    throw new UserError(`kinetic ${opts.command}: --as is only accepted with auth: { mode: unverified }; your token (kinetic login, or --token-file) says who you are`);
  }
  let identity: string | undefined;
  let roles: Role[] = [];
  let why: string | undefined;
  if (!auth) why = 'auth is not configured (kinetic.yaml has no auth: block)';
  else {
    const settings = authSettingsOf(auth)!;
    const verdict = await verifyToken(callerToken(opts.command, opts.tokenFile, true)!, settings);
    if (verdict.ok) ({ identity, roles } = verdict.principal);
    else why = `${verdict.reason}: ${verdict.message}`;
  }
  if (identity && !why && hasRole(roles, ACTION_ROLES[action])) return { identity, verified: true };
  const message = deniedMessage(action, identity, roles, why);
  const at = new Date().toISOString();
  const id = `cli-denied-${at.replace(/[-:.TZ]/g, '')}-${randomBytes(3).toString('hex')}`;
  await auditLogFor(cfg.file).append(accessDeniedRecord({ id, service: opts.service ?? '(global)', action, identity, roles, message, at }));
  throw new PermissionDeniedError(message);
}

/**
 * Least privilege (issue 14): which role each privileged action needs, and the audit entry of a
 * refused one. Import-free (types only): the workflows use it too.
 */
import type { DecisionRecord } from './record';
import type { Role } from './roles';

/** Every privileged action and the least role that may take it (README "Authenticated approvals and roles"). */
export const ACTION_ROLES = {
  'decision.targetOverride': 'operator',
  'loop.stop': 'operator',
  'loop.pause': 'operator',
  'loop.resume': 'operator',
  'loop.interval': 'operator',
  'schedules.change': 'operator',
  'prices.refresh': 'operator',
  'models.promote': 'admin',
  'models.rollback': 'admin',
} as const satisfies Record<string, Role>;

export type PrivilegedAction = keyof typeof ACTION_ROLES;

/** The message of a refused action: names the action, the role it needs and the caller's. */
export function deniedMessage(action: PrivilegedAction, identity: string | undefined, roles: readonly Role[], why?: string): string {
  const who = identity ? `${identity} (${roles.length ? roles.join(', ') : 'no role'})` : 'a caller without a verified token';
  return `PermissionDenied: ${action} needs role ${ACTION_ROLES[action]}; ${who}${why ? `: ${why}` : ''}`;
}

/**
 * A refused action as an audit-log entry: a record with outcome `permission-denied` and its
 * `access` block (no forecast, plan or budget: nothing ran). `id` makes a retried write idempotent.
 */
export function accessDeniedRecord(e: {
  id: string;
  service: string;
  action: PrivilegedAction;
  identity?: string;
  roles: Role[];
  message: string;
  at: string;
  workflowId?: string;
  runId?: string;
}): DecisionRecord {
  return {
    id: e.id,
    service: e.service,
    workflowId: e.workflowId ?? '',
    runId: e.runId ?? '',
    trigger: { kind: 'api', by: e.identity ?? 'unauthenticated', note: e.action },
    dryRun: false,
    stage: 'done',
    outcome: 'permission-denied',
    reason: e.message,
    access: { action: e.action, needed: ACTION_ROLES[e.action], identity: e.identity, roles: e.roles, allowed: false, message: e.message },
    compensation: [],
    timings: { startedAt: e.at, finishedAt: e.at },
    startedAt: e.at,
    finishedAt: e.at,
  };
}

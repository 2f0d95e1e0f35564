/**
 * Roles and who holds them (issue 14). Import-free: the workflow bundle uses the types and
 * `hasRole`; the token verifier computes a token's roles with `rolesOf`.
 */

export const ROLE_NAMES = ['viewer', 'operator', 'approver', 'admin'] as const;
export type Role = (typeof ROLE_NAMES)[number];

/** Each role includes the ones before it: viewer < operator < approver < admin. */
const RANK: Record<Role, number> = { viewer: 0, operator: 1, approver: 2, admin: 3 };

/** `auth:` as a decision records it at its start (kinetic.yaml's block without `login`). */
export interface AuthSettings {
  mode: 'oidc' | 'unverified';
  issuer?: string;
  audience?: string | string[];
  jwksUri?: string;
  identityClaim: 'email' | 'sub';
  groupsClaim?: string;
  clockSkewSeconds: number;
  roles: Partial<Record<Role, string[]>>;
  defaultRole: Role | 'none';
}

/** Who a verified token names. */
export interface Principal {
  identity: string;
  groups: string[];
  roles: Role[];
}

/** True when one of `roles` is `needed` or above it. */
export function hasRole(roles: readonly Role[], needed: Role): boolean {
  return roles.some((r) => RANK[r] >= RANK[needed]);
}

/** The highest of `roles`, for messages ("has viewer"). */
export function highestRole(roles: readonly Role[]): Role | undefined {
  return [...roles].sort((a, b) => RANK[b] - RANK[a])[0];
}

/** True when `entry` (`*`, `group:<g>`, `claim:<c>=<v>` or an identity) names this person. */
export function entryMatches(entry: string, identity: string, groups: readonly string[], claims: Record<string, unknown> = {}): boolean {
  if (entry === '*') return true;
  if (entry.startsWith('group:')) return groups.includes(entry.slice('group:'.length));
  if (entry.startsWith('claim:')) {
    const [name, ...rest] = entry.slice('claim:'.length).split('=');
    const want = rest.join('=');
    const v = claims[name];
    return Array.isArray(v) ? v.map(String).includes(want) : v !== undefined && String(v) === want;
  }
  return entry.toLowerCase() === identity.toLowerCase();
}

/** The roles `auth.roles` gives a verified token; `defaultRole` when no entry names it. */
export function rolesOf(settings: Pick<AuthSettings, 'roles' | 'defaultRole'>, identity: string, groups: readonly string[], claims: Record<string, unknown>): Role[] {
  const roles = ROLE_NAMES.filter((role) => (settings.roles[role] ?? []).some((e) => entryMatches(e, identity, groups, claims)));
  if (roles.length === 0 && settings.defaultRole !== 'none') roles.push(settings.defaultRole);
  return roles;
}

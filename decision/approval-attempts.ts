/**
 * Judging one approve / reject / resolve attempt (issue 14): who it is, whether they may answer
 * this decision, and why not. Import-free (types only): the saga's update handlers call it after
 * the token was verified in a local activity, and record every verdict.
 */
import type { Principal } from './roles';
import { entryMatches, hasRole } from './roles';

export type AttemptAction = 'approve' | 'reject' | 'resolve';

/** Why an attempt was refused: stable codes, kept in the record and the `ApprovalRefused` failure's details. */
export type RefusalReason =
  | 'auth-not-configured'
  | 'missing-token'
  | 'forged-identity'
  | 'expired'
  | 'not-yet-valid'
  | 'wrong-audience'
  | 'wrong-issuer'
  | 'bad-signature'
  | 'invalid-token'
  | 'no-identity-claim'
  | 'verification-unavailable'
  | 'not-an-approver'
  | 'own-decision'
  | 'duplicate-approver'
  | 'not-waiting';

/** Failure type of a refused attempt (the caller's named error). */
export const APPROVAL_REFUSED = 'ApprovalRefused';
/** Failure type of an action the caller's role does not allow. */
export const PERMISSION_DENIED = 'PermissionDenied';

/** One attempt as the decision record keeps it (never the token). */
export interface ApprovalAttempt {
  at: string;
  action: AttemptAction;
  /** The identity the verified token names (unverified mode: the typed one). */
  identity?: string;
  /** The identity the caller typed (`--as`), when it did. */
  claimed?: string;
  /** True when the identity comes from a verified token. */
  verified: boolean;
  accepted: boolean;
  reason?: RefusalReason;
  message: string;
}

/** The result of verifying a token: who it names, or why it is refused. */
export type TokenVerdict = { ok: true; principal: Principal } | { ok: false; reason: RefusalReason; message: string };

export interface AttemptFacts {
  action: AttemptAction;
  service: string;
  /** What the token proved (oidc), or the typed identity with no groups or roles (unverified). */
  verdict: TokenVerdict;
  claimed?: string;
  approvers: readonly string[];
  /** The verified identity that started the decision, if a token started it. */
  requester?: string;
  /** Identities whose approval was already counted. */
  approvedBy: readonly string[];
  allowSelfApproval: boolean;
}

export type AttemptVerdict = { accepted: true; principal: Principal } | { accepted: false; reason: RefusalReason; message: string; identity?: string };

const VERB: Record<AttemptAction, string> = { approve: 'approve', reject: 'reject', resolve: 'resolve' };

/** True when the list names the person (identity, `group:`), or — an empty list — their role is approver or admin. */
export function isApprover(approvers: readonly string[], p: Principal): boolean {
  if (approvers.length === 0) return hasRole(p.roles, 'approver');
  return approvers.some((e) => !e.startsWith('claim:') && e !== '*' && entryMatches(e, p.identity, p.groups));
}

/** The verdict on one attempt; the checks run in the order the reasons are listed in the README. */
export function judgeAttempt(f: AttemptFacts): AttemptVerdict {
  if (!f.verdict.ok) return { accepted: false, reason: f.verdict.reason, message: f.verdict.message };
  const p = f.verdict.principal;
  if (f.claimed && f.claimed.toLowerCase() !== p.identity.toLowerCase()) {
    return { accepted: false, reason: 'forged-identity', identity: p.identity, message: `the request claims to be "${f.claimed}" but its token is ${p.identity}'s` };
  }
  if (!isApprover(f.approvers, p)) {
    const list = f.approvers.length ? f.approvers.join(', ') : '(none listed: role approver or admin needed)';
    return { accepted: false, reason: 'not-an-approver', identity: p.identity, message: `"${p.identity}" may not ${VERB[f.action]} decisions of ${f.service}; approvers: ${list}` };
  }
  if (f.action === 'approve' && !f.allowSelfApproval && f.requester && f.requester.toLowerCase() === p.identity.toLowerCase()) {
    return { accepted: false, reason: 'own-decision', identity: p.identity, message: `${p.identity} started this decision and may not approve it (four-eyes: another approver must)` };
  }
  if (f.action === 'approve' && f.approvedBy.some((a) => a.toLowerCase() === p.identity.toLowerCase())) {
    return { accepted: false, reason: 'duplicate-approver', identity: p.identity, message: `${p.identity} already approved this decision; the quorum needs a different approver` };
  }
  return { accepted: true, principal: p };
}

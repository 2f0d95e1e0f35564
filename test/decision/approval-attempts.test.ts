import { describe, expect, it } from 'vitest';
import { judgeAttempt, type AttemptFacts } from '../../decision/approval-attempts';
import { hasRole, rolesOf } from '../../decision/roles';

const alice = { identity: 'alice@example.com', groups: ['sre'], roles: ['approver' as const] };
const facts = (over: Partial<AttemptFacts> = {}): AttemptFacts => ({
  action: 'approve',
  service: 'web',
  verdict: { ok: true, principal: alice },
  approvers: ['group:sre'],
  approvedBy: [],
  allowSelfApproval: false,
  ...over,
});

describe('judging an approval attempt', () => {
  it('accepts a listed approver (by group or identity, case-insensitive)', () => {
    expect(judgeAttempt(facts())).toEqual({ accepted: true, principal: alice });
    expect(judgeAttempt(facts({ approvers: ['Alice@Example.com'] })).accepted).toBe(true);
  });

  it('passes a token refusal on as is', () => {
    expect(judgeAttempt(facts({ verdict: { ok: false, reason: 'expired', message: 'the token expired' } }))).toEqual({ accepted: false, reason: 'expired', message: 'the token expired' });
  });

  it('refuses, in order: a forged claim, a non-approver, the requester, a second approval by the same person', () => {
    expect(judgeAttempt(facts({ claimed: 'bob@example.com' }))).toMatchObject({ accepted: false, reason: 'forged-identity', identity: 'alice@example.com' });
    expect(judgeAttempt(facts({ approvers: ['group:dba', 'bob@example.com'] }))).toMatchObject({ reason: 'not-an-approver', message: '"alice@example.com" may not approve decisions of web; approvers: group:dba, bob@example.com' });
    expect(judgeAttempt(facts({ requester: 'alice@example.com' }))).toMatchObject({ reason: 'own-decision' });
    expect(judgeAttempt(facts({ approvedBy: ['alice@example.com'] }))).toMatchObject({ reason: 'duplicate-approver' });
  });

  it('four-eyes binds approvals only, and can be switched off', () => {
    expect(judgeAttempt(facts({ action: 'reject', requester: 'alice@example.com' })).accepted).toBe(true);
    expect(judgeAttempt(facts({ requester: 'alice@example.com', allowSelfApproval: true })).accepted).toBe(true);
  });

  it('with no approvers listed, role approver (or admin) may answer; claim: and * entries never name approvers', () => {
    expect(judgeAttempt(facts({ approvers: [] })).accepted).toBe(true);
    expect(judgeAttempt(facts({ approvers: [], verdict: { ok: true, principal: { ...alice, roles: ['operator'] } } })).accepted).toBe(false);
    expect(judgeAttempt(facts({ approvers: ['*'] })).accepted).toBe(false);
  });
});

describe('roles', () => {
  const settings = { roles: { admin: ['claim:department=platform'], operator: ['group:oncall'], approver: ['carol@example.com'] }, defaultRole: 'viewer' as const };
  it('maps identities, groups and claims; the default role when nothing matches', () => {
    expect(rolesOf(settings, 'x@example.com', ['oncall'], {})).toEqual(['operator']);
    expect(rolesOf(settings, 'CAROL@example.com', [], {})).toEqual(['approver']);
    expect(rolesOf(settings, 'x@example.com', [], { department: ['platform', 'ops'] })).toEqual(['admin']);
    expect(rolesOf(settings, 'x@example.com', [], {})).toEqual(['viewer']);
    expect(rolesOf({ ...settings, defaultRole: 'none' }, 'x@example.com', [], {})).toEqual([]);
  });
  it('each role includes the ones below it', () => {
    expect(hasRole(['admin'], 'operator')).toBe(true);
    expect(hasRole(['approver'], 'operator')).toBe(true);
    expect(hasRole(['operator'], 'approver')).toBe(false);
    expect(hasRole(['viewer'], 'operator')).toBe(false);
    expect(hasRole([], 'viewer')).toBe(false);
  });
});

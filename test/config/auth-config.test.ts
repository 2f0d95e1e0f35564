import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfig } from '../../config/load';
import { serviceConfig } from '../helpers/sandbox';

const OIDC = { issuer: 'https://login.example.com/', audience: 'kinetic' };

/** kinetic.yaml with one service `web` (approval overrides) and the given auth block. */
function config(auth: unknown, approval: Record<string, unknown> = {}) {
  const text = stringify({ version: 1, ...(auth === undefined ? {} : { auth }), services: { web: serviceConfig('web.csv', { approval: { approvers: ['alice@example.com'], ...approval } }) } });
  return () => parseConfig(text, '/etc/kinetic.yaml');
}

describe('auth: in kinetic.yaml', () => {
  it('oidc is the default mode and fills defaults', () => {
    const cfg = config({ ...OIDC })();
    expect(cfg.auth).toMatchObject({ mode: 'oidc', identityClaim: 'email', clockSkewSeconds: 60, defaultRole: 'viewer', roles: {}, login: { scope: 'openid email profile', deviceTimeout: 600 } });
    expect(cfg.services.web.approval).toMatchObject({ required: 1, allowSelfApproval: false });
    expect(config(undefined)().auth).toBeUndefined();
    expect(config({ mode: 'unverified' })().auth?.mode).toBe('unverified');
  });

  it('oidc needs an issuer and an audience, and says how to get them (or the demo mode)', () => {
    expect(config({})).toThrow(/auth\.issuer: is required in oidc mode: the URL of your OpenID provider .*or set auth: \{ mode: unverified \} for the embedded demo only/);
    expect(config({})).toThrow(/auth\.audience: is required in oidc mode: the "aud" your provider puts in Kinetic's tokens/);
    expect(config({ issuer: 'login.example.com', audience: 'kinetic' })).toThrow(/auth\.issuer: /);
    expect(config({ ...OIDC, identityClaim: 'upn' })).toThrow(/auth\.identityClaim: .*"email"\|"sub"/);
    expect(config({ ...OIDC, mode: 'trust-me' })).toThrow(/auth\.mode: /);
  });

  it('roles: only the four roles, entries in a known form, groups need groupsClaim', () => {
    expect(config({ ...OIDC, roles: { superuser: ['bob@example.com'] } })).toThrow(/auth\.roles: .*superuser.*remove it or fix its spelling/);
    expect(config({ ...OIDC, roles: { admin: ['has spaces'] } })).toThrow(/auth\.roles\.admin\.0: use "\*", "group:<name>", "claim:<name>=<value>" or an identity/);
    expect(config({ ...OIDC, roles: { operator: ['group:sre'] } })).toThrow(/auth\.roles\.operator\.0: "group:sre" needs auth\.groupsClaim/);
    expect(config({ ...OIDC, groupsClaim: 'groups', roles: { operator: ['group:sre', 'claim:department=ops', '*'] } })().auth?.roles.operator).toEqual(['group:sre', 'claim:department=ops', '*']);
  });

  it('approval.approvers and approval.required are checked against auth', () => {
    expect(config({ ...OIDC }, { approvers: ['group:sre'] })).toThrow(/services\.web\.approval\.approvers: group:sre: group approvers need auth in oidc mode with auth\.groupsClaim/);
    expect(config({ mode: 'unverified' }, { approvers: ['group:sre'] })).toThrow(/group approvers need auth in oidc mode/);
    expect(config({ ...OIDC }, { approvers: ['alice@example.com'], required: 2 })).toThrow(/services\.web\.approval\.required: 2 approvers are required but only 1 are listed/);
    expect(config({ ...OIDC, groupsClaim: 'groups' }, { approvers: ['group:sre'], required: 3 })().services.web.approval.required).toBe(3);
    expect(config({ ...OIDC }, { required: 0 })).toThrow(/services\.web\.approval\.required: /);
  });
});

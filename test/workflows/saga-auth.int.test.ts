/**
 * Authenticated approvals and roles (issue 14) against a real OpenID provider (oidc-provider on a
 * free port): tokens come from its token endpoint, and the worker fetches its JWKS over HTTP.
 */
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApprovalRefusedError } from '../../client';
import type { DecisionRecord } from '../../decision/record';
import { DryRunProvisioner } from '../../provisioners/dry-run';
import { FileAuditLog } from '../../store/audit';
import { forgedToken, startOidcProvider, type TestOidc } from '../helpers/oidc';
import { createSandbox, flat, serviceConfig, type Sandbox } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';

let t: TestTemporal;
let idp: TestOidc;
beforeAll(async () => {
  t = await connectTestTemporal();
  idp = await startOidcProvider({
    alice: { email: 'alice@example.com', groups: ['sre'] },
    bob: { email: 'bob@example.com', groups: ['sre'] },
    carol: { email: 'carol@example.com', groups: ['sre', 'oncall'] },
    victor: { email: 'victor@example.com', groups: ['staff'] },
    mallory: { email: 'mallory@example.com', groups: ['staff'] },
    // Alice's short-lived client: its tokens expire after a second.
    'alice-brief': { email: 'alice@example.com', groups: ['sre'], ttlSeconds: 1 },
  });
});
afterAll(async () => {
  await idp?.close();
  await t?.close();
});

/** A service whose 2 → 6 scale-out needs a person; approvers are the `sre` group. */
function authSandbox(service: string, approval: Record<string, unknown> = {}): Sandbox {
  const sb = createSandbox();
  sb.writeConfig(
    { [service]: serviceConfig(sb.csv(service, flat(55)), { approval: { autoApprove: { maxStepChange: 1 }, approvers: ['group:sre'], timeout: '60s', ...approval } }) },
    {
      auth: {
        issuer: idp.issuer,
        audience: idp.audience,
        identityClaim: 'email',
        groupsClaim: 'groups',
        clockSkewSeconds: 0,
        roles: { operator: ['group:oncall'], approver: ['group:sre'] },
      },
    },
  );
  return sb;
}

async function waitForStage(decisionId: string, stage: string): Promise<DecisionRecord> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const rec = await t.kinetic.getDecision(decisionId).catch(() => undefined);
    if (rec?.stage === stage) return rec;
    if (Date.now() > deadline) throw new Error(`decision never reached ${stage} (at ${rec?.stage})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The decision's history replays on today's code without a determinism error (handlers, local activities). */
async function replays(rec: DecisionRecord): Promise<void> {
  const history = await t.client.workflow.getHandle(rec.workflowId, rec.runId).fetchHistory();
  await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, rec.workflowId);
}

/** The refusal's named error, or a failed assertion when the attempt was accepted. */
async function refused(p: Promise<unknown>): Promise<ApprovalRefusedError> {
  const err = await p.then(
    () => undefined,
    (e) => e,
  );
  expect(err).toBeInstanceOf(ApprovalRefusedError);
  return err as ApprovalRefusedError;
}

const fleet = async (root: string, service: string) => (await new DryRunProvisioner({ stateRoot: root, initialInstances: 2 }).current(service)).total;

describe('authenticated approvals (OpenID Connect)', () => {
  it('a forged identity is refused and recorded; the real approver is accepted', async () => {
    const sb = authSandbox('authforged');
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision('authforged', { timeouts: FAST_TIMEOUTS });
      await waitForStage(s.decisionId, 'approval');
      // Typing someone else's name proves nothing.
      const typed = await refused(t.kinetic.approve(s.decisionId, 'alice@example.com'));
      expect(typed.reason).toBe('forged-identity');
      expect(typed.message).toMatch(/"alice@example.com" is only a claim/);
      // Mallory's own (valid) token with Alice's name on the request.
      const claimed = await refused(t.kinetic.approve(s.decisionId, { token: await idp.tokenFor('mallory'), identity: 'alice@example.com' }));
      expect(claimed.reason).toBe('forged-identity');
      expect(claimed.message).toMatch(/claims to be "alice@example.com" but its token is mallory@example.com's/);
      // Mallory as herself: not in group sre.
      const notApprover = await refused(t.kinetic.approve(s.decisionId, { token: await idp.tokenFor('mallory') }));
      expect(notApprover.reason).toBe('not-an-approver');
      expect((await t.kinetic.getDecision(s.decisionId)).stage).toBe('approval');
      const ok = await t.kinetic.approve(s.decisionId, { token: await idp.tokenFor('alice') }, 'planned sale');
      expect(ok.approval).toMatchObject({ decision: 'approved', decidedBy: 'alice@example.com', approvedBy: ['alice@example.com'] });
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(rec.outcome).toBe('committed');
    expect(await fleet(sb.stateRoot, 'authforged')).toBe(6);
    const attempts = rec.approval?.attempts?.map((a) => ({ identity: a.identity, claimed: a.claimed, verified: a.verified, accepted: a.accepted, reason: a.reason }));
    expect(attempts).toEqual([
      { identity: undefined, claimed: 'alice@example.com', verified: false, accepted: false, reason: 'forged-identity' },
      { identity: 'mallory@example.com', claimed: 'alice@example.com', verified: true, accepted: false, reason: 'forged-identity' },
      { identity: 'mallory@example.com', claimed: undefined, verified: true, accepted: false, reason: 'not-an-approver' },
      { identity: 'alice@example.com', claimed: undefined, verified: true, accepted: true, reason: undefined },
    ]);
    // The audit log has the refused attempts too, never a token.
    const audited = await new FileAuditLog(sb.stateRoot).find(rec.id);
    expect(audited?.approval?.attempts?.filter((a) => !a.accepted).map((a) => a.reason)).toEqual(['forged-identity', 'forged-identity', 'not-an-approver']);
    expect(JSON.stringify(audited)).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
    await replays(rec);
  });

  it('expired, wrong-audience and badly signed tokens are refused, each with its reason', async () => {
    const sb = authSandbox('authtokens');
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision('authtokens', { timeouts: FAST_TIMEOUTS });
      await waitForStage(s.decisionId, 'approval');
      const brief = await idp.tokenFor('alice-brief');
      await new Promise((r) => setTimeout(r, 2100)); // its 1 s lifetime is over (clock skew 0)
      expect((await refused(t.kinetic.approve(s.decisionId, { token: brief }))).reason).toBe('expired');
      const other = await idp.tokenFor('alice', idp.otherResource); // issued for another API
      const wrongAud = await refused(t.kinetic.approve(s.decisionId, { token: other }));
      expect(wrongAud.reason).toBe('wrong-audience');
      expect(wrongAud.message).toMatch(/"other-api"/);
      // Signed by a key the provider never published, with every claim right.
      const forged = await forgedToken({ email: 'alice@example.com', groups: ['sre'] }, { issuer: idp.issuer, audience: idp.audience });
      expect((await refused(t.kinetic.approve(s.decisionId, { token: forged }))).reason).toBe('bad-signature');
      // A real token whose payload was edited (Mallory made herself Alice): the signature no longer matches.
      const [h, p, sig] = (await idp.tokenFor('mallory')).split('.');
      const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
      const edited = Buffer.from(JSON.stringify({ ...payload, email: 'alice@example.com', groups: ['sre'] })).toString('base64url');
      expect((await refused(t.kinetic.approve(s.decisionId, { token: `${h}.${edited}.${sig}` }))).reason).toBe('bad-signature');
      expect((await refused(t.kinetic.approve(s.decisionId, { token: 'not-a-jwt' }))).reason).toBe('invalid-token');
      await t.kinetic.reject(s.decisionId, { token: await idp.tokenFor('bob') }, 'too many bad tokens today');
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(rec.outcome).toBe('approval-rejected');
    expect(rec.reason).toBe('rejected by bob@example.com: too many bad tokens today');
    expect(rec.approval?.attempts?.map((a) => [a.action, a.accepted, a.reason ?? 'accepted'])).toEqual([
      ['approve', false, 'expired'],
      ['approve', false, 'wrong-audience'],
      ['approve', false, 'bad-signature'],
      ['approve', false, 'bad-signature'],
      ['approve', false, 'invalid-token'],
      ['reject', true, 'accepted'],
    ]);
    expect((await new FileAuditLog(sb.stateRoot).find(rec.id))?.approval?.attempts).toHaveLength(6);
    expect(await fleet(sb.stateRoot, 'authtokens')).toBe(2);
  });

  it('the requester may not approve their own decision (four-eyes)', async () => {
    const sb = authSandbox('authfoureyes');
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision('authfoureyes', { timeouts: FAST_TIMEOUTS, token: await idp.tokenFor('carol') });
      const waiting = await waitForStage(s.decisionId, 'approval');
      expect(waiting.requester).toEqual({ identity: 'carol@example.com', roles: ['operator', 'approver'], verified: true });
      const own = await refused(t.kinetic.approve(s.decisionId, { token: await idp.tokenFor('carol') }));
      expect(own.reason).toBe('own-decision');
      expect(own.message).toMatch(/carol@example.com started this decision and may not approve it/);
      await t.kinetic.approve(s.decisionId, { token: await idp.tokenFor('alice') });
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(rec.outcome).toBe('committed');
    expect(rec.approval).toMatchObject({ decidedBy: 'alice@example.com' });
    expect(rec.approval?.attempts?.map((a) => [a.identity, a.reason ?? 'accepted'])).toEqual([
      ['carol@example.com', 'own-decision'],
      ['alice@example.com', 'accepted'],
    ]);
  });

  it('a quorum of two needs two different approvers', async () => {
    const sb = authSandbox('authquorum', { required: 2 });
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision('authquorum', { timeouts: FAST_TIMEOUTS });
      await waitForStage(s.decisionId, 'approval');
      // Alice twice at once (two tokens of hers): she counts once.
      const [a1, a2] = [await idp.tokenFor('alice'), await idp.tokenFor('alice')];
      const both = await Promise.allSettled([t.kinetic.approve(s.decisionId, { token: a1 }, 'looks right'), t.kinetic.approve(s.decisionId, { token: a2 }, 'looks right')]);
      expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const first = both.find((r) => r.status === 'fulfilled')!.value;
      expect(first.approval).toMatchObject({ approvedBy: ['alice@example.com'], required: 2 });
      expect(first.approval?.decision).toBeUndefined();
      const second = both.find((r) => r.status === 'rejected')!.reason;
      expect(second).toBeInstanceOf(ApprovalRefusedError);
      expect(second.reason).toBe('duplicate-approver');
      // And again later.
      expect((await refused(t.kinetic.approve(s.decisionId, { token: await idp.tokenFor('alice') }))).reason).toBe('duplicate-approver');
      expect((await t.kinetic.getDecision(s.decisionId)).stage).toBe('approval');
      const bob = await t.kinetic.approve(s.decisionId, { token: await idp.tokenFor('bob') }, 'agreed');
      expect(bob.approval).toMatchObject({ decision: 'approved', approvedBy: ['alice@example.com', 'bob@example.com'] });
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(rec.outcome).toBe('committed');
    expect(rec.approval).toMatchObject({ decidedBy: 'alice@example.com, bob@example.com', comment: 'looks right; agreed' });
    expect(await fleet(sb.stateRoot, 'authquorum')).toBe(6);
    await replays(rec);
  });

  it('without an auth: block nothing privileged is accepted', async () => {
    const sb = createSandbox();
    sb.writeConfig({ authnone: serviceConfig(sb.csv('authnone', flat(55)), { approval: { autoApprove: { maxStepChange: 1 }, approvers: ['alice@example.com'], timeout: '60s' } }) }, { auth: undefined });
    const [targeted, rec] = await withWorker(t, { configPath: sb.configPath }, async () => {
      const a = await t.kinetic.startDecision('authnone', { timeouts: FAST_TIMEOUTS, targetOverride: 3 });
      const targeted = await t.kinetic.waitForDecision(a.decisionId);
      const s = await t.kinetic.startDecision('authnone', { timeouts: FAST_TIMEOUTS });
      await waitForStage(s.decisionId, 'approval');
      const err = await refused(t.kinetic.approve(s.decisionId, 'alice@example.com'));
      expect(err.reason).toBe('auth-not-configured');
      expect(err.message).toMatch(/auth is not configured: set auth\.issuer and auth\.audience .*or auth: \{ mode: unverified \} for the embedded demo only/);
      await refused(t.kinetic.reject(s.decisionId, { token: await idp.tokenFor('alice') }, 'no'));
      return [targeted, await t.kinetic.getDecision(s.decisionId)] as const;
    });
    expect(targeted.outcome).toBe('permission-denied');
    expect(targeted.reason).toMatch(/needs role operator; a caller without a verified token: auth is not configured/);
    expect(rec.stage).toBe('approval');
    expect(rec.approval?.attempts?.map((a) => a.reason)).toEqual(['auth-not-configured', 'auth-not-configured']);
    await t.client.workflow.getHandle(rec.workflowId, rec.runId).terminate('test done');
  });
});

describe('roles where the action takes effect', () => {
  it('a viewer cannot start a decision with a target; an operator can', async () => {
    const sb = authSandbox('authtarget');
    const [denied, anonymous, allowed] = await withWorker(t, { configPath: sb.configPath }, async () => {
      const v = await t.kinetic.startDecision('authtarget', { timeouts: FAST_TIMEOUTS, targetOverride: 3, token: await idp.tokenFor('victor') });
      const viewer = await t.kinetic.waitForDecision(v.decisionId);
      const a = await t.kinetic.startDecision('authtarget', { timeouts: FAST_TIMEOUTS, targetOverride: 3 });
      const none = await t.kinetic.waitForDecision(a.decisionId);
      const o = await t.kinetic.startDecision('authtarget', { timeouts: FAST_TIMEOUTS, targetOverride: 3, token: await idp.tokenFor('carol') });
      return [viewer, none, await t.kinetic.waitForDecision(o.decisionId)] as const;
    });
    expect(denied.outcome).toBe('permission-denied');
    expect(denied.reason).toBe('PermissionDenied: decision.targetOverride needs role operator; victor@example.com (viewer)');
    expect(denied.access).toMatchObject({ action: 'decision.targetOverride', needed: 'operator', identity: 'victor@example.com', roles: ['viewer'], allowed: false });
    expect(denied.forecast).toBeUndefined();
    expect(anonymous.outcome).toBe('permission-denied');
    expect(anonymous.reason).toMatch(/needs role operator; a caller without a verified token: start the decision with a token/);
    expect(allowed.outcome).toBe('committed');
    expect(allowed.plan?.to).toBe(3);
    expect(allowed.requester?.identity).toBe('carol@example.com');
    // Both refusals are audit entries.
    const audit = await new FileAuditLog(sb.stateRoot).forService('authtarget');
    expect(audit.map((r) => r.outcome)).toEqual(['permission-denied', 'permission-denied', 'committed']);
  });
});

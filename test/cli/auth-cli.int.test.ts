/**
 * `kinetic login` and `kinetic approve` against a real OpenID provider (issue 14): client
 * credentials for automation, the device flow for a person (confirmed over the provider's own
 * pages), the token cached with mode 0600 and sent by `approve`; `--as` refused in oidc mode.
 */
import { spawn } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../../config/tools';
import { kinetic } from '../helpers/cli';
import { startOidcProvider, type TestOidc } from '../helpers/oidc';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';

let t: TestTemporal;
let idp: TestOidc;
beforeAll(async () => {
  t = await connectTestTemporal();
  idp = await startOidcProvider({ alice: { email: 'alice@example.com', groups: ['sre'] }, bob: { email: 'bob@example.com', groups: ['sre'] } });
});
afterAll(async () => {
  await idp?.close();
  await t?.close();
});

/** `kinetic login` (device flow) as a running process: confirms the code it prints as `account`, then waits for it to exit. */
async function deviceLogin(configPath: string, cache: string, account: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'kinetic.js'), 'login', '--config', configPath], {
    env: { ...process.env, KINETIC_TOKEN_CACHE: cache, TEMPORAL_ADDRESS: inject('temporalAddress') },
  });
  let stdout = '';
  let stderr = '';
  let confirming: Promise<void> | undefined;
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.on('data', (d) => {
    stdout += d;
    const code = /enter the code ([A-Z0-9-]+)/.exec(stdout)?.[1];
    if (code && !confirming) confirming = idp.confirmDevice(code, account);
  });
  const exit = await new Promise<number | null>((r) => child.on('exit', r));
  await confirming;
  return { code: exit, stdout, stderr };
}

describe('kinetic login / approve with OpenID Connect', () => {
  it('client credentials and the device flow cache a 0600 token that approve sends; --as is refused', async () => {
    const sb = createSandbox();
    sb.writeConfig(
      { authcli: serviceConfig(sb.csv('authcli', flat(55)), { approval: { autoApprove: { maxStepChange: 1 }, approvers: ['group:sre'], required: 2, timeout: '10m' } }) },
      {
        taskQueue: t.taskQueue,
        auth: { issuer: idp.issuer, audience: idp.audience, groupsClaim: 'groups', login: { clientId: idp.cliClientId, scope: 'openid email kinetic' } },
      },
    );
    const c = ['--config', sb.configPath];
    const aliceCache = join(sb.dir, 'alice', 'token.json');
    const bobCache = join(sb.dir, 'bob', 'token.json');
    const secretFile = join(sb.dir, 'alice.secret');
    writeFileSync(secretFile, idp.secretOf('alice') + '\n');

    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision('authcli', { timeouts: FAST_TIMEOUTS });

      const login = await kinetic(['login', '--client-id', 'alice', '--client-secret-file', secretFile, '--json', ...c], { KINETIC_TOKEN_CACHE: aliceCache });
      expect(login.code, login.stderr).toBe(0);
      const shown = JSON.parse(login.stdout);
      expect(shown).toMatchObject({ file: aliceCache, issuer: idp.issuer, clientId: 'alice', grant: 'client_credentials', kind: 'access' });
      expect(shown.token).toBeUndefined();
      expect(statSync(aliceCache).mode & 0o777).toBe(0o600);

      for (let i = 0; i < 100 && (await t.kinetic.getDecision(s.decisionId).catch(() => undefined))?.stage !== 'approval'; i++) await new Promise((r) => setTimeout(r, 200));
      const typed = await kinetic(['approve', s.decisionId, '--as', 'alice@example.com', ...c], { KINETIC_TOKEN_CACHE: aliceCache });
      expect(typed.code).toBe(2);
      expect(typed.stderr).toMatch(/--as is only accepted with auth: \{ mode: unverified \}/);
      const noToken = await kinetic(['approve', s.decisionId, ...c], { KINETIC_TOKEN_CACHE: join(sb.dir, 'nobody', 'token.json') });
      expect(noToken.code).toBe(2);
      expect(noToken.stderr).toMatch(/no cached token .*run `kinetic login`, or pass --token-file/);

      const first = await kinetic(['approve', s.decisionId, '--comment', 'ok from automation', ...c], { KINETIC_TOKEN_CACHE: aliceCache });
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(`approval of ${s.decisionId} by alice@example.com counted: 1 of 2`);
      // Alice's cached token again: the same person does not make a quorum.
      const again = await kinetic(['approve', s.decisionId, ...c], { KINETIC_TOKEN_CACHE: aliceCache });
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/approve refused \(duplicate-approver\)/);

      const device = await deviceLogin(sb.configPath, bobCache, 'bob');
      expect(device.code, device.stderr).toBe(0);
      expect(device.stdout).toMatch(new RegExp(`open ${idp.issuer}/device and enter the code`));
      expect(device.stdout).toMatch(/signed in at .* \(device flow\); token cached in/);
      expect(statSync(bobCache).mode & 0o777).toBe(0o600);
      const second = await kinetic(['approve', s.decisionId, ...c], { KINETIC_TOKEN_CACHE: bobCache });
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toMatch(`approved ${s.decisionId} as bob@example.com`);
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(rec.outcome).toBe('committed');
    expect(rec.approval).toMatchObject({ approvedBy: ['alice@example.com', 'bob@example.com'], comment: 'ok from automation' });
    expect(rec.approval?.attempts?.map((a) => [a.identity, a.reason ?? 'accepted'])).toEqual([
      ['alice@example.com', 'accepted'],
      ['alice@example.com', 'duplicate-approver'],
      ['bob@example.com', 'accepted'],
    ]);
  }, 300_000); // eight CLI processes and a device login polled every 5 s
});

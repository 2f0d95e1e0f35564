/**
 * Least privilege for the CLI-only actions (issue 14): model promote/rollback (admin), schedule
 * changes and writing the configured price catalog (operator) are checked in the code path that
 * performs them, against tokens from a real OpenID provider; refusals are PermissionDenied and
 * audit entries.
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { PermissionDeniedError } from '../../cli/authorize';
import { UserError } from '../../cli/command';
import { command as models } from '../../cli/commands/models';
import { command as prices } from '../../cli/commands/prices';
import { command as schedules } from '../../cli/commands/schedules';
import { REPO_ROOT } from '../../config/tools';
import { FileAuditLog } from '../../store/audit';
import { startOidcProvider, type TestOidc } from '../helpers/oidc';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';

let idp: TestOidc;
beforeAll(async () => {
  idp = await startOidcProvider({
    paula: { email: 'paula@example.com', groups: ['platform'] },
    carol: { email: 'carol@example.com', groups: ['oncall'] },
    victor: { email: 'victor@example.com', groups: ['staff'] },
  });
});
afterAll(async () => idp?.close());

describe('CLI-only privileged actions', () => {
  it('model promote/rollback need admin, schedule changes and the configured catalog need operator; refusals are audited', async () => {
    const sb = createSandbox();
    copyFileSync(join(REPO_ROOT, 'planning', 'data', 'aws-price-catalog.json'), join(sb.dir, 'prices.json'));
    sb.writeConfig(
      { authlocal: serviceConfig(sb.csv('authlocal', flat(10))) },
      {
        pricing: { catalog: 'prices.json' },
        auth: { issuer: idp.issuer, audience: idp.audience, groupsClaim: 'groups', roles: { admin: ['group:platform'], operator: ['group:oncall'] } },
      },
    );
    const tokenFile = async (who: string) => {
      const f = join(sb.dir, `${who}.jwt`);
      writeFileSync(f, await idp.tokenFor(who));
      return f;
    };
    const c = ['--config', sb.configPath];
    const victor = await tokenFile('victor');
    const carol = await tokenFile('carol');
    const paula = await tokenFile('paula');
    vi.stubEnv('TEMPORAL_ADDRESS', inject('temporalAddress'));
    try {
      await expect(models.run(['promote', 'authlocal', 'v1', '--token-file', victor, ...c])).rejects.toThrow(
        new PermissionDeniedError('PermissionDenied: models.promote needs role admin; victor@example.com (viewer)'),
      );
      await expect(models.run(['rollback', 'authlocal', 'ewma', '--token-file', carol, ...c])).rejects.toThrow('PermissionDenied: models.rollback needs role admin; carol@example.com (operator)');
      await expect(schedules.run(['pause', 'retrain', '--prefix', 'authlocal-', '--token-file', victor, ...c])).rejects.toThrow('PermissionDenied: schedules.change needs role operator; victor@example.com (viewer)');
      await expect(prices.run(['refresh', '--out', join(sb.dir, 'prices.json'), '--token-file', victor, ...c])).rejects.toThrow('PermissionDenied: prices.refresh needs role operator; victor@example.com (viewer)');
      // oidc: the token says who you are; a typed --as is a usage error.
      const typed = await models.run(['promote', 'authlocal', 'v1', '--as', 'paula@example.com', '--token-file', paula, ...c]).catch((e) => e);
      expect(typed).toBeInstanceOf(UserError);
      expect(typed.message).toMatch(/--as is only accepted with auth: \{ mode: unverified \}/);
      // The admin passes the check: what stops her now is the store (there is no such version).
      await expect(models.run(['promote', 'authlocal', 'v1', '--token-file', paula, ...c])).rejects.toThrow(/no model version v1 for authlocal/);
    } finally {
      vi.unstubAllEnvs();
    }
    const denied = (await new FileAuditLog(sb.stateRoot).all()).filter((r) => r.outcome === 'permission-denied');
    expect(denied.map((r) => [r.service, r.access?.action, r.access?.needed, r.access?.identity])).toEqual([
      ['authlocal', 'models.promote', 'admin', 'victor@example.com'],
      ['authlocal', 'models.rollback', 'admin', 'carol@example.com'],
      ['(global)', 'schedules.change', 'operator', 'victor@example.com'],
      ['(global)', 'prices.refresh', 'operator', 'victor@example.com'],
    ]);
  });
});

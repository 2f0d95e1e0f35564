/**
 * Member env is a Pulumi secret (real engine, real processes): after an `up`, the member runs with
 * the env, while the backend's state (checkpoint and update history), `pulumi stack export` and the
 * stack settings file hold it only encrypted.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPulumiLocalProvisioner, type PulumiLocalProvisioner } from '../../provisioners/pulumi-local';
import { cliEnv, resolvePaths } from '../../provisioners/pulumi/env';
import { PORT_BLOCKS, poolPort } from '../helpers/ports';
import { killLeftovers, membersUnder, plan, processesUnder, tempRoot } from './helpers';

const SERVICE = 'secret-env-it';
const TOKEN = `tok-${randomBytes(16).toString('hex')}`;
const SLOW = 600_000;

/** Every file under `dir` as text. */
function textUnder(dir: string): string {
  if (!fs.existsSync(dir)) return '';
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), 'latin1'))
    .join('\n');
}

describe('member env is a Pulumi secret (real engine)', () => {
  let root: string;
  let p: PulumiLocalProvisioner;
  const opts = () => ({
    rootDir: path.join(root, 'pulumi'),
    pulumiHome: path.join(root, 'home'),
    services: { [SERVICE]: { basePort: poolPort(PORT_BLOCKS.pulumiSecrets), env: { SAMPLE_API_TOKEN: TOKEN }, loadBalancer: false as const, drainMs: 200 } },
    verifyTimeoutMs: 10_000,
  });

  beforeAll(() => {
    root = tempRoot('secrets');
    p = createPulumiLocalProvisioner(opts());
  });

  afterAll(async () => {
    await p?.destroy(SERVICE).catch((err) => console.error('destroy failed', err));
    await killLeftovers(root);
    expect(processesUnder(root)).toEqual([]);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('the member gets the env; the state, its export and the stack settings hold it only as ciphertext', async () => {
    const state = await p.apply(plan(SERVICE, { default: 1 }), { heartbeat: () => undefined });
    expect(state.applied.total).toBe(1);
    // The member really runs with it …
    const [member] = membersUnder(root);
    expect(fs.readFileSync(`/proc/${member.pid}/environ`, 'latin1').split('\0')).toContain(`SAMPLE_API_TOKEN=${TOKEN}`);

    // … the DIY backend (checkpoint, update history, backups) never has it in plaintext, but has ciphertext …
    const backend = textUnder(path.join(root, 'pulumi', 'state'));
    expect(backend).toContain('"ciphertext"');
    expect(backend).not.toContain(TOKEN);
    // … nor the stack settings (`kinetic:env` is a secure value) or anything else the provisioner wrote.
    const settings = textUnder(path.join(root, 'pulumi', 'work'));
    expect(settings).toMatch(/kinetic:env:\s+secure: /);
    expect(settings).not.toContain(TOKEN);
    expect(textUnder(path.join(root, 'pulumi'))).not.toContain(TOKEN);

    // `pulumi stack export` (what a backup or a support bundle takes; without --show-secrets) has it encrypted too.
    const paths = resolvePaths(opts());
    const exported = execFileSync(paths.pulumiBin, ['stack', 'export', '--stack', SERVICE], {
      cwd: path.join(paths.workRoot, SERVICE),
      env: { ...process.env, ...cliEnv(paths) },
      encoding: 'utf8',
    });
    expect(exported).toContain('"ciphertext"');
    expect(exported).toContain('"env"');
    expect(exported).not.toContain(TOKEN);

    // A second apply (the same plan) keeps it working: the member is unchanged.
    const again = await p.apply(plan(SERVICE, { default: 1 }), { heartbeat: () => undefined });
    expect(again).toMatchObject({ changed: false, applied: { total: 1 } });
    expect(membersUnder(root).map((m) => m.pid)).toEqual([member.pid]);
  }, SLOW);
});

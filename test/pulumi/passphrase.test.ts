import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../config/load';
import { generatedPassphrasePath, legacyPassphrasePath, passphraseEnv } from '../../provisioners/pulumi/passphrase';
import { createSandbox, serviceConfig } from '../helpers/sandbox';

describe('the Pulumi passphrase is never stored beside the state', () => {
  afterEach(() => vi.restoreAllMocks());
  const none = {};

  it('a KMS secrets provider needs no passphrase; then the environment, then provisioner.passphraseFile', () => {
    const sb = createSandbox();
    const root = path.join(sb.dir, 'state', 'pulumi');
    const file = path.join(sb.dir, 'pulumi.passphrase');
    fs.writeFileSync(file, 'correct horse\n', { mode: 0o600 });
    expect(passphraseEnv(root, true, { secretsProvider: 'awskms://alias/kinetic', passphraseFile: file }, { PULUMI_CONFIG_PASSPHRASE: 'x' })).toEqual({});
    expect(passphraseEnv(root, false, { passphraseFile: file }, { PULUMI_CONFIG_PASSPHRASE: 'from-env' })).toEqual({ PULUMI_CONFIG_PASSPHRASE: 'from-env' });
    expect(passphraseEnv(root, false, { passphraseFile: '/nope' }, { PULUMI_CONFIG_PASSPHRASE_FILE: file })).toEqual({ PULUMI_CONFIG_PASSPHRASE_FILE: file });
    expect(passphraseEnv(root, true, { passphraseFile: file }, none)).toEqual({ PULUMI_CONFIG_PASSPHRASE_FILE: file });
    // Nothing generated when one is configured.
    expect(fs.existsSync(generatedPassphrasePath(root))).toBe(false);
  });

  it('a missing or empty passphrase file is an error naming the setting and the fix', () => {
    const sb = createSandbox();
    const root = path.join(sb.dir, 'state', 'pulumi');
    expect(() => passphraseEnv(root, false, { passphraseFile: path.join(sb.dir, 'missing') }, none)).toThrow(
      /^provisioner\.passphraseFile: cannot read the Pulumi passphrase file .*missing \(ENOENT\); point provisioner\.passphraseFile at the file that holds the stack's passphrase/,
    );
    fs.writeFileSync(path.join(sb.dir, 'empty'), '  \n');
    expect(() => passphraseEnv(root, false, {}, { PULUMI_CONFIG_PASSPHRASE_FILE: path.join(sb.dir, 'empty') })).toThrow(/^PULUMI_CONFIG_PASSPHRASE_FILE: the Pulumi passphrase file .*empty is empty/);
    expect(() => passphraseEnv(root, true, {}, none)).toThrow(/S3 bucket shared by workers: set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE .*provisioner\.passphraseFile .*provisioner\.secretsProvider/);
  });

  it('local state with nothing configured (the demo): generated once, mode 0600, outside the provisioner directory and its backend', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const sb = createSandbox();
    const root = path.join(sb.dir, 'state', 'pulumi');
    const env = passphraseEnv(root, false, {}, none);
    const file = env.PULUMI_CONFIG_PASSPHRASE_FILE;
    expect(file).toBe(path.join(sb.dir, 'state', 'keys', 'pulumi.passphrase'));
    expect(path.relative(root, file).startsWith('..')).toBe(true);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const first = fs.readFileSync(file, 'utf8');
    expect(first.trim().length).toBeGreaterThanOrEqual(32);
    expect(passphraseEnv(root, false, {}, none)).toEqual(env);
    expect(fs.readFileSync(file, 'utf8')).toBe(first);
  });

  it('migrates the passphrase older versions kept at <rootDir>/passphrase: same key, moved away from the state', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const sb = createSandbox();
    const root = path.join(sb.dir, 'state', 'pulumi');
    fs.mkdirSync(root, { recursive: true });
    fs.writeFileSync(legacyPassphrasePath(root), 'the-old-key\n', { mode: 0o644 });
    const env = passphraseEnv(root, false, {}, none);
    expect(env.PULUMI_CONFIG_PASSPHRASE_FILE).toBe(generatedPassphrasePath(root));
    expect(fs.readFileSync(env.PULUMI_CONFIG_PASSPHRASE_FILE, 'utf8')).toBe('the-old-key\n');
    expect(fs.statSync(env.PULUMI_CONFIG_PASSPHRASE_FILE).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(legacyPassphrasePath(root))).toBe(false);
    expect(warn.mock.calls.flat().join(' ')).toMatch(/moved the Pulumi passphrase .*passphrase to .*keys\/pulumi\.passphrase/);
  });

  it('kinetic.yaml: passphraseFile is resolved from the config file; a secretsProvider must be a KMS URL', () => {
    const sb = createSandbox();
    sb.writeConfig({ web: serviceConfig('x.csv', { provisioner: { type: 'pulumi-local', passphraseFile: 'secrets/pulumi.passphrase' } }) });
    const p = loadConfig(sb.configPath).services.web.provisioner;
    expect(p.type === 'pulumi-local' && p.passphraseFile).toBe(path.join(sb.dir, 'secrets', 'pulumi.passphrase'));
    sb.writeConfig({ web: serviceConfig('x.csv', { provisioner: { type: 'pulumi-local', secretsProvider: 'passphrase' } }) });
    expect(() => loadConfig(sb.configPath)).toThrow(/services\.web\.provisioner\.secretsProvider.*must be a KMS URL: awskms:\/\/…/);
    sb.writeConfig({ web: serviceConfig('x.csv', { provisioner: { type: 'pulumi-local', secretsProvider: 'awskms://alias/kinetic?region=us-east-1' } }) });
    expect(loadConfig(sb.configPath).services.web.provisioner).toMatchObject({ secretsProvider: 'awskms://alias/kinetic?region=us-east-1' });
  });
});

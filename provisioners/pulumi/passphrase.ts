/**
 * Where the key that encrypts Pulumi stack secrets comes from — never from beside the state:
 * 1. `provisioner.secretsProvider` (`awskms://…`, `gcpkms://…`, `azurekeyvault://…`, `hashivault://…`):
 *    the stack's secrets provider; no passphrase at all.
 * 2. `PULUMI_CONFIG_PASSPHRASE` or `PULUMI_CONFIG_PASSPHRASE_FILE` in the worker's environment.
 * 3. `provisioner.passphraseFile`: a file the operator manages (a mounted secret).
 * 4. Local `file://` state only (the demo): a passphrase generated once into
 *    `<parent of rootDir>/keys/<rootDir name>.passphrase` (mode 0600), outside the provisioner's
 *    directory and its backend; the file older versions kept at `<rootDir>/passphrase` is moved there.
 * A shared S3 backend with none of 1–3 is an error: a generated passphrase would differ per host.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProvisionError } from '../errors';

export interface SecretsSettings {
  /** `provisioner.passphraseFile` (absolute; config/load.ts resolves it from kinetic.yaml). */
  passphraseFile?: string;
  /** `provisioner.secretsProvider`. */
  secretsProvider?: string;
}

/** Where the generated passphrase of a provisioner rooted at `rootDir` lives. */
export function generatedPassphrasePath(rootDir: string): string {
  return path.join(path.dirname(rootDir), 'keys', `${path.basename(rootDir)}.passphrase`);
}

/** The file older versions generated: inside rootDir, beside the `state/` backend. */
export const legacyPassphrasePath = (rootDir: string): string => path.join(rootDir, 'passphrase');

/** The CLI environment that gives Pulumi its key (empty with a KMS secrets provider). */
export function passphraseEnv(rootDir: string, shared = false, settings: SecretsSettings = {}, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (settings.secretsProvider) return {};
  if (env.PULUMI_CONFIG_PASSPHRASE !== undefined) return { PULUMI_CONFIG_PASSPHRASE: env.PULUMI_CONFIG_PASSPHRASE };
  if (env.PULUMI_CONFIG_PASSPHRASE_FILE) return { PULUMI_CONFIG_PASSPHRASE_FILE: requireSecretFile(env.PULUMI_CONFIG_PASSPHRASE_FILE, 'PULUMI_CONFIG_PASSPHRASE_FILE') };
  if (settings.passphraseFile) return { PULUMI_CONFIG_PASSPHRASE_FILE: requireSecretFile(settings.passphraseFile, 'provisioner.passphraseFile') };
  if (shared) {
    throw new ProvisionError(
      'provisioner.backend is an S3 bucket shared by workers: set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE (the same on every worker), ' +
        'provisioner.passphraseFile (a secret file), or provisioner.secretsProvider (e.g. awskms://alias/kinetic); it encrypts the stack secrets',
      false,
    );
  }
  return { PULUMI_CONFIG_PASSPHRASE_FILE: generatedPassphrase(rootDir) };
}

function requireSecretFile(file: string, setting: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ProvisionError(
      `${setting}: cannot read the Pulumi passphrase file ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); ` +
        `point ${setting} at the file that holds the stack's passphrase (a new stack: create one, e.g. openssl rand -base64 24 > ${file}; chmod 600 ${file})`,
      false,
    );
  }
  if (!text.trim()) throw new ProvisionError(`${setting}: the Pulumi passphrase file ${file} is empty; write the stack's passphrase into it`, false);
  return file;
}

/** The demo's generated passphrase (created once; an older `<rootDir>/passphrase` is moved, not replaced). */
function generatedPassphrase(rootDir: string): string {
  const file = generatedPassphrasePath(rootDir);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const legacy = legacyPassphrasePath(rootDir);
  if (fs.existsSync(legacy)) {
    // Existing stacks were encrypted with it: keep the key, move it away from the state.
    try {
      fs.renameSync(legacy, file);
      fs.chmodSync(file, 0o600);
      console.warn(`[kinetic] moved the Pulumi passphrase ${legacy} to ${file}: it no longer sits beside the state (set provisioner.passphraseFile or PULUMI_CONFIG_PASSPHRASE_FILE to manage it yourself)`);
    } catch (err) {
      if (!fs.existsSync(file)) throw err; // another worker moved it first: use theirs
    }
    return file;
  }
  try {
    fs.writeFileSync(file, crypto.randomBytes(24).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
    console.warn(`[kinetic] generated a Pulumi passphrase in ${file} (local state only; for real stacks set provisioner.passphraseFile, PULUMI_CONFIG_PASSPHRASE_FILE or provisioner.secretsProvider)`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return file;
}

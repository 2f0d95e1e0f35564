import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { LoadedConfig } from '../config/load';

/** Environment variables that hold the webhook signing secret, or the path of a file that does. */
export const WEBHOOK_SECRET_ENV = 'KINETIC_WEBHOOK_SECRET';
export const WEBHOOK_SECRET_FILE_ENV = 'KINETIC_WEBHOOK_SECRET_FILE';

/**
 * The secret that signs alert webhooks, read when an alert is sent (never passed through a
 * workflow, so it is in no history): `KINETIC_WEBHOOK_SECRET`, else the file named by
 * `KINETIC_WEBHOOK_SECRET_FILE`, else `budgets.alerts.secretFile`; undefined when none is set
 * (alerts go unsigned). A named file that cannot be read is an error naming the setting.
 */
export function webhookSecret(config: () => LoadedConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env[WEBHOOK_SECRET_ENV]) return env[WEBHOOK_SECRET_ENV];
  if (env[WEBHOOK_SECRET_FILE_ENV]) return readSecret(resolve(env[WEBHOOK_SECRET_FILE_ENV]!), WEBHOOK_SECRET_FILE_ENV);
  let cfg: LoadedConfig;
  try {
    cfg = config();
  } catch (e) {
    // Retryable on purpose: an alert waits for a fixed kinetic.yaml instead of failing for good.
    throw new Error(`cannot look up budgets.alerts.secretFile: ${(e as Error).message}; fix kinetic.yaml (or set ${WEBHOOK_SECRET_ENV}) and the alert is retried`);
  }
  const file = cfg.budgets?.alerts.secretFile;
  return file ? readSecret(resolve(dirname(cfg.file), file), 'budgets.alerts.secretFile') : undefined;
}

function readSecret(path: string, setting: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${setting}: cannot read the webhook signing secret at ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); create it (e.g. openssl rand -hex 32 > ${path}; chmod 600 ${path}) or unset ${setting}`);
  }
  const secret = text.trim();
  if (!secret) throw new Error(`${setting}: the webhook signing secret file ${path} is empty; write a random secret into it (e.g. openssl rand -hex 32)`);
  return secret;
}

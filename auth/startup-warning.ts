import { Runtime } from '@temporalio/worker';
import { loadConfig } from '../config/load';

const warned = new Set<string>();

/**
 * The worker's word on `auth:` at start (once per config file and process): unverified mode is for
 * the embedded demo only, and without an `auth:` block nothing privileged is accepted.
 */
export function warnAboutAuth(configPath?: string): void {
  let cfg;
  try {
    cfg = loadConfig(configPath);
  } catch {
    return; // a bad config is reported by the first activity that reads it
  }
  if (warned.has(cfg.file)) return;
  warned.add(cfg.file);
  const logger = Runtime.instance().logger;
  if (cfg.auth?.mode === 'unverified') {
    logger.warn(
      `${cfg.file}: auth: { mode: unverified } — approvals are NOT authenticated: anyone who can reach Temporal may approve as any listed approver, and roles are not checked. For the embedded demo only; configure auth.issuer and auth.audience (OpenID Connect) anywhere else.`,
    );
  } else if (!cfg.auth) {
    logger.warn(`${cfg.file}: no auth: block — approvals, decisions with a target and loop controls are refused until auth is configured (README "Authenticated approvals and roles").`);
  }
}

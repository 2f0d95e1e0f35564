/**
 * The parts of a kubeconfig the provisioner reads itself (verification and current() talk to the
 * API server directly, not through Pulumi): server URL, CA, and the client certificate or bearer
 * token of one context. The Pulumi provider gets the same file and context.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { ProvisionError } from '../errors';

export interface ClusterAccess {
  /** The kubeconfig file and context used (for the Pulumi provider and messages). */
  file: string;
  context: string;
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  insecure: boolean;
}

interface Named<T> {
  name: string;
  [k: string]: unknown;
  value?: T;
}

/** $KUBECONFIG (first entry), then ~/.kube/config, unless the config names a file. */
export function kubeconfigPath(configured?: string): string {
  const file = configured ?? process.env.KUBECONFIG?.split(path.delimiter)[0] ?? path.join(os.homedir(), '.kube', 'config');
  return path.resolve(file.startsWith('~/') ? path.join(os.homedir(), file.slice(2)) : file);
}

function bytes(inline: unknown, file: unknown, base: string): Buffer | undefined {
  if (typeof inline === 'string') return Buffer.from(inline, 'base64');
  if (typeof file === 'string') return fs.readFileSync(path.resolve(base, file));
  return undefined;
}

export function loadClusterAccess(configured: string | undefined, contextName?: string): ClusterAccess {
  const file = kubeconfigPath(configured);
  let doc: Record<string, unknown>;
  try {
    doc = parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new ProvisionError(`provisioner.kubeconfig: cannot read ${file} (${(err as Error).message}); point it at a kubeconfig file or set KUBECONFIG`, false);
  }
  const base = path.dirname(file);
  const pick = <T>(list: unknown, name: string, what: string): T => {
    const found = ((list ?? []) as Named<T>[]).find((e) => e.name === name);
    if (!found) throw new ProvisionError(`provisioner.context: ${file} has no ${what} named "${name}"`, false);
    return found[what] as T;
  };
  const context = contextName ?? (doc['current-context'] as string | undefined);
  if (!context) throw new ProvisionError(`provisioner.context: ${file} has no current-context; name one in provisioner.context`, false);
  const ctx = pick<{ cluster: string; user: string }>(doc.contexts, context, 'context');
  const cluster = pick<Record<string, unknown>>(doc.clusters, ctx.cluster, 'cluster');
  const user = pick<Record<string, unknown>>(doc.users, ctx.user, 'user') ?? {};
  if (typeof cluster.server !== 'string') throw new ProvisionError(`provisioner.kubeconfig: cluster "${ctx.cluster}" in ${file} has no server`, false);
  return {
    file,
    context,
    server: cluster.server.replace(/\/$/, ''),
    ca: bytes(cluster['certificate-authority-data'], cluster['certificate-authority'], base),
    cert: bytes(user['client-certificate-data'], user['client-certificate'], base),
    key: bytes(user['client-key-data'], user['client-key'], base),
    token: typeof user.token === 'string' ? user.token : typeof user.tokenFile === 'string' ? fs.readFileSync(path.resolve(base, user.tokenFile), 'utf8').trim() : undefined,
    insecure: cluster['insecure-skip-tls-verify'] === true,
  };
}

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Paths of native tools resolved by scripts/toolchain.js (run by `npm test` / `npm run demo`). */
export const REPO_ROOT = resolve(__dirname, '..');
export const TOOLS_DIR = process.env.KINETIC_TOOLS_DIR ? resolve(process.env.KINETIC_TOOLS_DIR) : join(REPO_ROOT, '.tools');

/** Tools the toolchain records; the Kubernetes ones run the test cluster (test/helpers/kubernetes.ts). */
export type ToolName = 'temporal' | 'pulumi' | 'local-kms' | 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok' | 'kwok-stages';

export function toolPath(name: ToolName): string {
  const envName = `KINETIC_${name.toUpperCase().replace(/-/g, '_')}_BIN`;
  if (process.env[envName]) return process.env[envName]!;
  const file = join(TOOLS_DIR, 'toolchain.json');
  if (existsSync(file)) {
    const paths = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    if (paths[name] && existsSync(paths[name])) return paths[name];
  }
  const local = join(TOOLS_DIR, 'bin', name);
  if (existsSync(local)) return local;
  if (name === 'kwok-stages' && existsSync(join(TOOLS_DIR, 'kwok-stages.yaml'))) return join(TOOLS_DIR, 'kwok-stages.yaml');
  if (name === 'etcd') {
    // Not built here: Debian's etcd-server package.
    const onPath = (process.env.PATH ?? '').split(':').map((d) => join(d, 'etcd')).find((f) => f && existsSync(f));
    if (onPath) return onPath;
    throw new Error(`etcd is not installed; install Debian's etcd-server (apt-get install etcd-server) or set ${envName}`);
  }
  throw new Error(`the ${name} CLI is not set up; run \`npm run toolchain\` (builds it from Go modules) or set ${envName}`);
}

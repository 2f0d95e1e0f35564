import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, delimiter, join, resolve, sep } from 'node:path';

const HERE = resolve(__dirname, '..');
/** The package's root: the checkout, or the installed package (whose code runs from dist/). */
export const REPO_ROOT = basename(HERE) === 'dist' && existsSync(join(HERE, '..', 'package.json')) ? resolve(HERE, '..') : HERE;
/** Installed as a dependency: nothing is written into the package directory. */
export const INSTALLED = REPO_ROOT.split(sep).includes('node_modules');
/**
 * Kinetic's state that no kinetic.yaml owns (the embedded dev server, the local Pulumi home):
 * KINETIC_HOME, else `.kinetic` in a checkout, else ~/.kinetic for an installed package.
 */
export const KINETIC_HOME = process.env.KINETIC_HOME ? resolve(process.env.KINETIC_HOME) : INSTALLED ? join(homedir(), '.kinetic') : join(REPO_ROOT, '.kinetic');
/** Paths of native tools resolved by scripts/toolchain.js (run by `npm test` / `npm run demo`). */
export const TOOLS_DIR = process.env.KINETIC_TOOLS_DIR ? resolve(process.env.KINETIC_TOOLS_DIR) : INSTALLED ? join(KINETIC_HOME, 'tools') : join(REPO_ROOT, '.tools');

/** Tools the toolchain records; the Kubernetes ones run the test cluster (test/helpers/kubernetes.ts), jaeger the tracing test. */
export type ToolName = 'temporal' | 'pulumi' | 'local-kms' | 'jaeger' | 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok' | 'kwok-stages';

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
  const onPath = (process.env.PATH ?? '').split(delimiter).map((d) => join(d, name)).find((p) => existsSync(p));
  if (name === 'etcd') {
    // Not built here: Debian's etcd-server package.
    if (onPath) return onPath;
    throw new Error(`etcd is not installed; install Debian's etcd-server (apt-get install etcd-server) or set ${envName}`);
  }
  // An installed package has no toolchain step of its own: a CLI on PATH will do.
  if (INSTALLED && onPath) return onPath;
  throw new Error(`the ${name} CLI is not set up; run \`npm run toolchain\` (builds it from Go modules) or set ${envName}`);
}

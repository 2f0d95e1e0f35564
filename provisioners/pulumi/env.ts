/**
 * Pulumi toolchain wiring for the pulumi-local provisioner: which CLI binary, where state lives,
 * the passphrase, the `pulumi-resource-pulumi-nodejs` shim, and the environment of every CLI run.
 * Nothing here ever downloads: plugin acquisition and update checks are disabled.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PulumiCommand } from '@pulumi/pulumi/automation';
import { ProvisionError } from '../errors';
import { BackendUrlError, createStateBackend, parseBackendUrl, type StateBackend } from './backend';
import { passphraseEnv, type SecretsSettings } from './passphrase';
import { KINETIC_HOME, REPO_ROOT, TOOLS_DIR, toolPath } from '../../config/tools';

export { passphraseEnv } from './passphrase';

export { REPO_ROOT } from '../../config/tools';

export interface PulumiPaths {
  repoRoot: string;
  /** Root of everything the provisioner writes (default `$KINETIC_HOME/pulumi`, see config/tools.ts). */
  rootDir: string;
  /** DIY backend directory of a `file://` backend (default `<rootDir>/state`); '' for an S3 backend. */
  backendDir: string;
  /** The backend URL every CLI run gets (`file://<backendDir>` or `s3://…`). */
  backendUrl: string;
  /** Stable per-stack work dirs (`Pulumi.yaml`, `Pulumi.<stack>.yaml`): `<rootDir>/work/<stack>`. */
  workRoot: string;
  /** Per-service logs and membership files: `<rootDir>/pools/<service>`. */
  poolsRoot: string;
  /** PULUMI_HOME. */
  pulumiHome: string;
  /** The CLI binary. */
  pulumiBin: string;
  /** Directory put first on the CLI's PATH; holds the `pulumi-resource-pulumi-nodejs` shim link. */
  shimDir: string;
  /** Where the stack secrets' key comes from (provisioners/pulumi/passphrase.ts). */
  secrets?: SecretsSettings;
}

export function resolvePaths(opts: {
  repoRoot?: string;
  rootDir?: string;
  pulumiBin?: string;
  pulumiHome?: string;
  /** Backend URL (`file://…`, relative paths from rootDir, or `s3://…`); default `file://<rootDir>/state`. */
  backend?: string;
  secrets?: SecretsSettings;
}): PulumiPaths {
  const repoRoot = path.resolve(opts.repoRoot ?? REPO_ROOT);
  const rootDir = path.resolve(opts.rootDir ?? path.join(KINETIC_HOME, 'pulumi'));
  let spec;
  try {
    spec = parseBackendUrl(opts.backend ?? `file://${path.join(rootDir, 'state')}`, rootDir);
  } catch (err) {
    if (err instanceof BackendUrlError) throw new ProvisionError(err.message, false);
    throw err;
  }
  return {
    repoRoot,
    rootDir,
    backendDir: spec.kind === 'file' ? spec.dir : '',
    backendUrl: spec.url,
    workRoot: path.join(rootDir, 'work'),
    poolsRoot: path.join(rootDir, 'pools'),
    pulumiHome: path.resolve(opts.pulumiHome ?? path.join(KINETIC_HOME, 'pulumi', 'home')),
    pulumiBin: path.resolve(opts.pulumiBin ?? process.env.KINETIC_PULUMI_BIN ?? toolchainPulumi() ?? path.join(TOOLS_DIR, 'bin', 'pulumi')),
    shimDir: path.join(rootDir, 'bin'),
    secrets: opts.secrets,
  };
}

/** The pulumi CLI scripts/toolchain.js resolved (honours KINETIC_TOOLS_DIR and a `pulumi` on PATH); undefined before it ran. */
function toolchainPulumi(): string | undefined {
  try {
    return toolPath('pulumi');
  } catch {
    return undefined;
  }
}

const backends = new Map<string, StateBackend>();

/** The state backend of these paths (one client per URL and process). */
export function stateBackend(paths: PulumiPaths): StateBackend {
  let b = backends.get(paths.backendUrl);
  if (!b) {
    // The URL exactly as the CLI gets it (orphan plugins are recognised by it).
    b = createStateBackend({ ...parseBackendUrl(paths.backendUrl, paths.rootDir), url: paths.backendUrl });
    backends.set(paths.backendUrl, b);
  }
  return b;
}

/** Path of the dynamic-provider shim shipped at the root of the `@pulumi/pulumi` package. */
export function shimSource(repoRoot: string): string {
  const pkg = require.resolve('@pulumi/pulumi/package.json', { paths: [repoRoot] });
  return path.join(path.dirname(pkg), 'pulumi-resource-pulumi-nodejs');
}

function linkIfMissing(target: string, link: string): boolean {
  try {
    const st = fs.lstatSync(link);
    if (st.isSymbolicLink() && !fs.existsSync(link)) fs.unlinkSync(link); // dangling
    else return true;
  } catch {
    // missing
  }
  try {
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(target, link);
    return true;
  } catch {
    return fs.existsSync(link);
  }
}

/**
 * Makes the shim discoverable: a link beside the CLI binary (the engine's "bundled plugin" lookup)
 * when that directory is writable, and always a link in `shimDir`, which goes first on PATH.
 */
export function ensureShim(paths: PulumiPaths): void {
  const src = shimSource(paths.repoRoot);
  linkIfMissing(src, path.join(path.dirname(paths.pulumiBin), 'pulumi-resource-pulumi-nodejs'));
  if (!linkIfMissing(src, path.join(paths.shimDir, 'pulumi-resource-pulumi-nodejs'))) {
    throw new Error(`cannot link ${src} into ${paths.shimDir}`);
  }
}

/** Environment of every CLI invocation (LocalWorkspace `envVars`). */
export function cliEnv(paths: PulumiPaths): Record<string, string> {
  const pathVar = [paths.shimDir, path.dirname(process.execPath), process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'].join(path.delimiter);
  return {
    PULUMI_BACKEND_URL: paths.backendUrl,
    PULUMI_HOME: paths.pulumiHome,
    PULUMI_SKIP_UPDATE_CHECK: 'true',
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: 'true',
    PULUMI_DISABLE_CI_DETECTION: 'true',
    PATH: pathVar,
    ...passphraseEnv(paths.rootDir, paths.backendUrl.startsWith('s3://'), paths.secrets),
  };
}

const commandCache = new Map<string, Promise<PulumiCommand>>();

/**
 * `PulumiCommand` for the configured binary. `PulumiCommand.get({root})` runs `<root>/bin/pulumi`;
 * a binary elsewhere is linked as `<rootDir>/cli/bin/pulumi` first. The version check stays on: an
 * unstamped CLI (empty `pulumi version`) breaks inline refresh/destroy, so it must fail loudly.
 */
export function pulumiCommand(paths: PulumiPaths): Promise<PulumiCommand> {
  let p = commandCache.get(paths.pulumiBin);
  if (!p) {
    p = (async () => {
      if (!fs.existsSync(paths.pulumiBin)) {
        throw new ProvisionError(`Pulumi CLI not found at ${paths.pulumiBin} (set KINETIC_PULUMI_BIN or run npm run toolchain)`, false);
      }
      let root: string;
      if (path.basename(paths.pulumiBin) === 'pulumi' && path.basename(path.dirname(paths.pulumiBin)) === 'bin') {
        root = path.dirname(path.dirname(paths.pulumiBin));
      } else {
        root = path.join(paths.rootDir, 'cli');
        const link = path.join(root, 'bin', 'pulumi');
        fs.mkdirSync(path.dirname(link), { recursive: true });
        fs.rmSync(link, { force: true });
        fs.symlinkSync(paths.pulumiBin, link);
      }
      return PulumiCommand.get({ root, skipVersionCheck: false });
    })();
    p.catch(() => commandCache.delete(paths.pulumiBin));
    commandCache.set(paths.pulumiBin, p);
  }
  return p;
}

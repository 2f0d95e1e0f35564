/**
 * A resource plugin (`pulumi-resource-<name>`) must already be on this machine: plugin downloads
 * are disabled (PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION), so without it every engine run would
 * fail deep in the CLI with a message about acquisition. We look where the engine looks (PATH,
 * beside the CLI, `$PULUMI_HOME/plugins/resource-<name>-v<version>`) and fail early, once, with the
 * offline fix. Shared by pulumi-aws and pulumi-kubernetes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProvisionError } from '../errors';

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export interface PluginSearch {
  pulumiHome: string;
  pulumiBin: string;
  /** PATH of the CLI runs (ambient plugins). */
  pathEnv: string;
  version?: string;
}

/** Path of a usable `pulumi-resource-<name>` at `version`, or undefined. */
export function findPlugin(name: string, version: string, s: Omit<PluginSearch, 'version'>): string | undefined {
  const binary = `pulumi-resource-${name}`;
  const cached = path.join(s.pulumiHome, 'plugins', `resource-${name}-v${version}`);
  // `.partial` marks an install that was interrupted: the engine ignores such a directory.
  const candidates = [
    ...(fs.existsSync(`${cached}.partial`) ? [] : [path.join(cached, binary)]),
    path.join(path.dirname(s.pulumiBin), binary),
    ...s.pathEnv
      .split(path.delimiter)
      .filter(Boolean)
      .map((d) => path.join(d, binary)),
  ];
  return candidates.find(executable);
}

/**
 * The engine looks beside the CLI only for its bundled plugins; any other plugin outside
 * PULUMI_HOME must be on PATH. A link in `dir` (first on the CLI's PATH: cliEnv) makes the one found usable.
 */
export function linkOntoPath(found: string, dir: string): void {
  const link = path.join(dir, path.basename(found));
  try {
    if (fs.realpathSync(link) === fs.realpathSync(found)) return;
    fs.rmSync(link, { force: true });
  } catch {
    // missing or dangling
    fs.rmSync(link, { force: true });
  }
  fs.mkdirSync(dir, { recursive: true });
  fs.symlinkSync(found, link);
}

/** Throws a non-retryable ProvisionError with the offline install command when the plugin is missing. */
export function requirePlugin(name: string, version: string, s: Omit<PluginSearch, 'version'>, buildHint: string): string {
  const found = findPlugin(name, version, s);
  if (found) return found;
  const binary = `pulumi-resource-${name}`;
  throw new ProvisionError(
    `the Pulumi ${name} provider plugin (${binary} ${version}) is not installed, and plugin downloads are disabled. ` +
      (buildHint ? `${buildHint} Or install it offline` : 'Install it offline') +
      ` from a release archive or binary you already have: ` +
      `PULUMI_HOME=${s.pulumiHome} ${s.pulumiBin} plugin install resource ${name} ${version} --file <${binary}-v${version}-linux-amd64.tar.gz|binary>; ` +
      `or put a ${binary} binary on PATH. Looked in ${path.join(s.pulumiHome, 'plugins', `resource-${name}-v${version}`)}, ` +
      `beside ${s.pulumiBin}, and on PATH.`,
    false,
  );
}

/**
 * The `pulumi-resource-aws` plugin must already be on this machine: plugin downloads are disabled
 * (PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION), so without it every engine run would fail deep in
 * the CLI with a message about acquisition. We look where the engine looks (PATH, beside the CLI,
 * `$PULUMI_HOME/plugins/resource-aws-v<version>`) and fail early, once, with the offline fix.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProvisionError } from '../errors';

/** The plugin version the `@pulumi/aws` SDK in node_modules asks the engine for. */
export function awsPluginVersion(): string {
  return (require('@pulumi/aws/package.json') as { version: string }).version;
}

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

/** Path of a usable `pulumi-resource-aws`, or undefined. */
export function findAwsPlugin(s: PluginSearch): string | undefined {
  const version = s.version ?? awsPluginVersion();
  const cached = path.join(s.pulumiHome, 'plugins', `resource-aws-v${version}`);
  // `.partial` marks an install that was interrupted: the engine ignores such a directory.
  const candidates = [
    ...(fs.existsSync(`${cached}.partial`) ? [] : [path.join(cached, 'pulumi-resource-aws')]),
    path.join(path.dirname(s.pulumiBin), 'pulumi-resource-aws'),
    ...s.pathEnv
      .split(path.delimiter)
      .filter(Boolean)
      .map((d) => path.join(d, 'pulumi-resource-aws')),
  ];
  return candidates.find(executable);
}

/** Throws a non-retryable ProvisionError with the offline install command when the plugin is missing. */
export function requireAwsPlugin(s: PluginSearch): string {
  const found = findAwsPlugin(s);
  if (found) return found;
  const version = s.version ?? awsPluginVersion();
  throw new ProvisionError(
    `the Pulumi AWS provider plugin (pulumi-resource-aws ${version}) is not installed, and plugin downloads are disabled. ` +
      `Install it offline from a release archive or binary you already have: ` +
      `PULUMI_HOME=${s.pulumiHome} ${s.pulumiBin} plugin install resource aws ${version} --file <pulumi-resource-aws-v${version}-linux-amd64.tar.gz|binary>; ` +
      `or put a pulumi-resource-aws binary on PATH. Looked in ${path.join(s.pulumiHome, 'plugins', `resource-aws-v${version}`)}, ` +
      `beside ${s.pulumiBin}, and on PATH.`,
    false,
  );
}

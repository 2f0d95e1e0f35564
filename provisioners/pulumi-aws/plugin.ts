/** The `pulumi-resource-aws` plugin the `@pulumi/aws` SDK asks for (lookup rules: provisioners/pulumi/plugin.ts). */
import { findPlugin, requirePlugin, type PluginSearch } from '../pulumi/plugin';

export type { PluginSearch } from '../pulumi/plugin';

/** The plugin version the `@pulumi/aws` SDK in node_modules asks the engine for. */
export function awsPluginVersion(): string {
  return (require('@pulumi/aws/package.json') as { version: string }).version;
}

/** Path of a usable `pulumi-resource-aws`, or undefined. */
export function findAwsPlugin(s: PluginSearch): string | undefined {
  return findPlugin('aws', s.version ?? awsPluginVersion(), s);
}

/** Throws a non-retryable ProvisionError with the offline install command when the plugin is missing. */
export function requireAwsPlugin(s: PluginSearch): string {
  return requirePlugin('aws', s.version ?? awsPluginVersion(), s, '');
}

/**
 * Kinetic's workflow code for a worker: the prebuilt bundle shipped in the package (dist/), else
 * (a checkout run through tsx) workflows/ bundled once per process and shared by every worker.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, Runtime, type WorkflowBundleOption } from '@temporalio/worker';
import { ENCRYPTED_FAILURES_PATH } from '../encryption/from-config';

/** Every Kinetic workflow type (the folder: index.ts in a checkout, index.js in the package). */
export const KINETIC_WORKFLOWS_PATH = join(__dirname, '..', 'workflows');

/** Where `npm run build` writes the prebuilt bundles (next to the compiled plugins). */
export const PREBUILT_BUNDLE_DIR = join(__dirname, '..', 'workflow-bundles');

/** The bundle file for a failure converter: plain, or the encryption one (scripts/build-bundles.ts). */
export function prebuiltBundleName(failureConverterPath: string | undefined): string | undefined {
  if (!failureConverterPath) return 'plain.js';
  if (failureConverterPath === ENCRYPTED_FAILURES_PATH) return 'encrypted-failures.js';
  return undefined;
}

const built = new Map<string, Promise<string>>();

export async function kineticWorkflowBundle(failureConverterPath?: string): Promise<WorkflowBundleOption> {
  const name = prebuiltBundleName(failureConverterPath);
  const prebuilt = name && join(PREBUILT_BUNDLE_DIR, name);
  if (prebuilt && existsSync(prebuilt)) return { codePath: prebuilt };
  const key = failureConverterPath ?? '';
  let code = built.get(key);
  if (!code) {
    code = bundleWorkflowCode({
      workflowsPath: KINETIC_WORKFLOWS_PATH,
      logger: Runtime.instance().logger,
      ...(failureConverterPath ? { failureConverterPath } : {}),
    }).then((b) => b.code);
    built.set(key, code);
    code.catch(() => built.delete(key));
  }
  return { code: await code };
}

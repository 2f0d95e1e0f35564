/**
 * Kinetic's workflow code for a worker: the prebuilt bundle shipped in the package (dist/), else
 * (a checkout run through tsx) workflows/ bundled once per process and shared by every worker.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, Runtime, type WorkflowBundleOption } from '@temporalio/worker';
import { ENCRYPTED_FAILURES_PATH } from '../encryption/from-config';
import { TRACING_WORKFLOW_MODULE } from '../observability/tracing';

/** Every Kinetic workflow type (the folder: index.ts in a checkout, index.js in the package). */
export const KINETIC_WORKFLOWS_PATH = join(__dirname, '..', 'workflows');

/** decisionId on workflow log lines and in activity headers: in every bundle Kinetic's workers run. */
export const DECISION_WORKFLOW_MODULE = join(__dirname, '..', 'workflows', 'decision-interceptors');

/**
 * The workflow interceptor modules of a bundle: Kinetic's decision module always; Temporal's
 * OpenTelemetry interceptors and Kinetic's span attributes when the worker traces. A pre-built
 * bundle must have been built with the same list (bundleWorkflowCode's `workflowInterceptorModules`).
 */
export function workflowInterceptorModules(opts: { tracing: boolean }): string[] {
  return [DECISION_WORKFLOW_MODULE, ...(opts.tracing ? [TRACING_WORKFLOW_MODULE] : [])];
}

/**
 * Pure modules the workflows import (decision and planning rules: no workflow API, no per-workflow
 * state), evaluated once per reusable V8 context instead of once per workflow run. Without this
 * every decision re-evaluates them when its workflow starts; they are most of the bundle's own code.
 * Only plain functions and constants belong here — a module that keeps per-workflow state would
 * leak it between decisions.
 */
export const WORKFLOW_PRELOAD_MODULES: readonly string[] = [
  ['decision', 'access'],
  ['decision', 'approval'],
  ['decision', 'approval-attempts'],
  ['decision', 'budget-book'],
  ['decision', 'details'],
  ['decision', 'input-validation'],
  ['decision', 'plan-gate'],
  ['decision', 'recheck'],
  ['decision', 'resolution'],
  ['decision', 'roles'],
  ['planning', 'chargeback'],
  ['observability', 'decision-attributes'],
].map((parts) => join(__dirname, '..', ...parts));

/** Where `npm run build` writes the prebuilt bundles (next to the compiled plugins). */
export const PREBUILT_BUNDLE_DIR = join(__dirname, '..', 'workflow-bundles');

/** The bundle file for a failure converter: plain, or the encryption one (scripts/build-bundles.ts). */
export function prebuiltBundleName(failureConverterPath: string | undefined): string | undefined {
  if (!failureConverterPath) return 'plain.js';
  if (failureConverterPath === ENCRYPTED_FAILURES_PATH) return 'encrypted-failures.js';
  return undefined;
}

const built = new Map<string, Promise<string>>();

/**
 * `modules`: the workflow interceptor modules of this worker (plugins add theirs to
 * `interceptors.workflowModules`); Kinetic's decision module is always in. The prebuilt bundles
 * hold exactly that one, so a worker with more (tracing) bundles at start.
 */
export async function kineticWorkflowBundle(failureConverterPath?: string, modules: string[] = []): Promise<WorkflowBundleOption> {
  const all = [...new Set([DECISION_WORKFLOW_MODULE, ...modules])];
  const name = all.length === 1 ? prebuiltBundleName(failureConverterPath) : undefined;
  const prebuilt = name && join(PREBUILT_BUNDLE_DIR, name);
  if (prebuilt && existsSync(prebuilt)) return { codePath: prebuilt };
  const key = `${failureConverterPath ?? ''}|${all.join(',')}`;
  let code = built.get(key);
  if (!code) {
    code = bundleWorkflowCode({
      workflowsPath: KINETIC_WORKFLOWS_PATH,
      workflowInterceptorModules: all,
      preloadModules: [...WORKFLOW_PRELOAD_MODULES],
      logger: Runtime.instance().logger,
      ...(failureConverterPath ? { failureConverterPath } : {}),
    }).then((b) => b.code);
    built.set(key, code);
    code.catch(() => built.delete(key));
  }
  return { code: await code };
}

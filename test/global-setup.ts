/**
 * One real Temporal dev server per test run (the built `temporal` CLI, never a download), and the
 * workflow bundle built once; test files connect through `inject('temporalAddress')`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { REPO_ROOT, toolPath } from '../config/tools';
import { SEARCH_ATTRIBUTES } from '../workflows/definitions';
import { workflowInterceptorModules } from '../worker';
import { WORKFLOW_PRELOAD_MODULES } from '../plugins/workflow-bundle';

let env: TestWorkflowEnvironment | undefined;

export async function setup(project: TestProject) {
  env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: toolPath('temporal') },
      searchAttributes: SEARCH_ATTRIBUTES,
      log: { format: 'pretty', level: 'error' },
    },
  });
  const dir = join(REPO_ROOT, '.kinetic', 'test');
  mkdirSync(dir, { recursive: true });
  // The production worker's bundle (without tracing): the same interceptor modules as `kinetic worker`.
  const bundle = await bundleWorkflowCode({
    workflowsPath: join(REPO_ROOT, 'workflows', 'index.ts'),
    workflowInterceptorModules: workflowInterceptorModules({ tracing: false }),
    preloadModules: [...WORKFLOW_PRELOAD_MODULES],
    logger: quietLogger,
  });
  const bundlePath = join(dir, `workflow-bundle-${process.pid}.js`);
  writeFileSync(bundlePath, bundle.code);
  project.provide('temporalAddress', env.address);
  project.provide('workflowBundlePath', bundlePath);
}

export async function teardown() {
  await env?.teardown();
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
};

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    workflowBundlePath: string;
  }
}

#!/usr/bin/env node
/**
 * `npm run build` (and `npm pack` through prepack): the package's compiled form in dist/ —
 * JavaScript and .d.ts from tsc, the non-TypeScript files the code reads at run time, and the
 * prebuilt workflow bundles plugins/workflow-bundle.ts loads, so workers start without webpack.
 */
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const config = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8'));

fs.rmSync(DIST, { recursive: true, force: true });
const tsc = (project) => execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(ROOT, project)], { cwd: ROOT, stdio: 'inherit' });
tsc('tsconfig.build.json');
// Types for the entry points (kinetic/client, /worker, /plugins, /workflows) and what they import.
tsc('tsconfig.types.json');

// Assets next to the code that reads them (JSON catalogs, plain-JS modules, dashboard page, rules).
let copied = 0;
const copyAssets = (dir) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) copyAssets(p);
    else if (!e.name.endsWith('.ts')) {
      const to = path.join(DIST, path.relative(ROOT, p));
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(p, to);
      copied++;
    }
  }
};
for (const dir of config.include) copyAssets(path.join(ROOT, dir));

async function bundles() {
  const { bundleWorkflowCode } = require('@temporalio/worker');
  const out = path.join(DIST, 'workflow-bundles');
  fs.mkdirSync(out, { recursive: true });
  const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };
  const workflowsPath = path.join(DIST, 'workflows');
  // The two failure converters plugins/workflow-bundle.ts knows: Temporal's default, and encryption's.
  const variants = { 'plain.js': undefined, 'encrypted-failures.js': path.join(DIST, 'encryption', 'failure-converter.js') };
  for (const [name, failureConverterPath] of Object.entries(variants)) {
    // With the decision interceptor module every Kinetic worker runs (plugins/workflow-bundle.ts DECISION_WORKFLOW_MODULE).
    const workflowInterceptorModules = [path.join(DIST, 'workflows', 'decision-interceptors.js')];
    // The pure modules shared by all workflow runs of a worker (plugins/workflow-bundle.ts), at their dist/ paths.
    const { WORKFLOW_PRELOAD_MODULES } = require(path.join(DIST, 'plugins', 'workflow-bundle.js'));
    const preloadModules = [...WORKFLOW_PRELOAD_MODULES];
    const { code } = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules, preloadModules, logger: quiet, ...(failureConverterPath ? { failureConverterPath } : {}) });
    fs.writeFileSync(path.join(out, name), code);
  }
}

bundles().then(
  () => console.log(`built dist/: tsc output, ${copied} assets, workflow bundles plain.js and encrypted-failures.js`),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);

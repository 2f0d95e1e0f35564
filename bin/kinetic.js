#!/usr/bin/env node
// The `kinetic` command. Installed (the npm package): the compiled JavaScript in dist/, no tsx.
// In a checkout: the TypeScript sources through tsx, so there is no build step to forget.
'use strict';
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const installed = root.split(path.sep).includes('node_modules');
let main;
if (installed || process.env.KINETIC_USE_DIST === '1') {
  ({ main } = require('../dist/cli/main.js'));
} else {
  require('tsx/cjs/api').register();
  ({ main } = require('../cli/main.ts'));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err && err.stack ? err.stack : String(err));
    process.exit(1);
  },
);

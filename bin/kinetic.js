#!/usr/bin/env node
// The `kinetic` command. TypeScript sources run through tsx, so there is no build step to forget.
'use strict';
require('tsx/cjs/api').register();
const { main } = require('../cli/main.ts');

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err && err.stack ? err.stack : String(err));
    process.exit(1);
  },
);

#!/usr/bin/env node
// The `switchyard` command: runs the compiled CLI from dist/ (in the package it is always there;
// in a checkout `npm run build` or `npm start` writes it). It never needs a devDependency.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const compiled = join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (!existsSync(compiled)) {
  process.stderr.write('switchyard: dist/ is missing: run `npm run build` in this checkout first\n');
  process.exit(1);
}
require(compiled);

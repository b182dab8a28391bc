#!/usr/bin/env node
// The `switchyard` command. Runs the compiled CLI (`npm run build` writes dist/); in a checkout
// that has not been built yet it runs the TypeScript sources through tsx.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const compiled = join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (existsSync(compiled)) {
  require(compiled);
} else {
  require('tsx/cjs');
  require(join(__dirname, '..', 'src', 'cli', 'main.ts'));
}

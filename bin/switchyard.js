#!/usr/bin/env node
// The `switchyard` command: runs the compiled CLI (npm run build writes dist/).
require('../dist/src/cli/main.js');

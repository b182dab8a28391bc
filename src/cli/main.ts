// The entry point of the `switchyard` command (bin/switchyard.js runs the compiled form of this).
import { runCli } from './cli';

void runCli(process.argv.slice(2)).then((code) => {
  // A served node keeps running until its signal handlers exit; the other commands are done.
  if (code !== 0) process.exit(code);
});

// The `switchyard` command line: `serve` (default) and `token`.
import { ConfigError } from '../config';
import { runServe } from './serve';
import { runTokenCommand, TOKEN_USAGE, UsageError } from './token';

const USAGE = `usage: switchyard [serve]    serve all five APIs (npm start)\n${TOKEN_USAGE.replace('usage: ', '       ')}`;

async function main(argv: string[]): Promise<void> {
  const [command = 'serve', ...rest] = argv;
  if (command === 'serve') return runServe();
  if (command === 'token') {
    process.stdout.write(`${await runTokenCommand(rest)}\n`);
    return;
  }
  if (command === '--help' || command === 'help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  throw new UsageError(`unknown command "${command}"`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof UsageError) process.stderr.write(`switchyard: ${err.message}\n`);
  else process.stderr.write(`switchyard: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
});

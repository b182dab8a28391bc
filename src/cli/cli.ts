// The `switchyard` command line: `serve`, `token`, `doctor`, `verify` and `contract export`, `--help` on each, `--version`.
// Without a command it prints help rather than starting a server, so a mistyped invocation never
// opens a port. Parsing is node's util.parseArgs (see command.ts).
import { ConfigError } from '../config';
import { contractCommand } from './contract';
import { UsageError, wantsHelp, type Command, type Output } from './command';
import { doctorCommand } from './doctor';
import { serveCommand } from './serve';
import { tokenCommand } from './token';
import { verifyCommand } from './verify';
import { packageVersion } from '../version';

const COMMANDS: Record<string, Command> = { serve: serveCommand, token: tokenCommand, doctor: doctorCommand, verify: verifyCommand, contract: contractCommand };

export const USAGE = [
  'usage: switchyard <command> [options]',
  '',
  'commands:',
  ...Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(8)} ${command.summary}`),
  '',
  'options:',
  '  -h, --help     this text; `switchyard <command> --help` describes a command',
  '  -v, --version  print the version',
  '',
  'Settings come from the environment: see .env.example and the README (Configuration).',
].join('\n');

function commandNamed(name: string): Command {
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) throw new UsageError(`unknown command "${name}"`, USAGE);
  return command;
}

async function dispatch(argv: readonly string[], out: Output, err: Output): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h') {
    out.write(`${USAGE}\n`);
  } else if (first === '--version' || first === '-v') {
    out.write(`${packageVersion()}\n`);
  } else if (first === 'help') {
    out.write(`${rest[0] === undefined ? USAGE : commandNamed(rest[0]).usage}\n`);
  } else if (wantsHelp(rest)) {
    out.write(`${commandNamed(first).usage}\n`);
  } else {
    return commandNamed(first).run(rest, out, err);
  }
  return 0;
}

/**
 * Runs one invocation and resolves with its exit code: 0 done, 1 failed (bad configuration, a
 * dependency, doctor found a problem), 2 usage error. `serve` resolves once the server listens.
 */
export async function runCli(argv: readonly string[], out: Output = process.stdout, err: Output = process.stderr): Promise<number> {
  try {
    return await dispatch(argv, out, err);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UsageError) err.write(`switchyard: ${error.message}\n`);
    else err.write(`switchyard: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

// What every `switchyard` command is: a usage text and a run function. Arguments are parsed with
// node's util.parseArgs (strict: unknown options, missing values and stray words are usage errors).
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface Command {
  /** One line for `switchyard --help`. */
  summary: string;
  /** The full text `switchyard <command> --help` prints. */
  usage: string;
  /** `argv` is what follows the command's name. Resolves with the exit code. */
  run(argv: string[], out: Output, err?: Output): Promise<number>;
}

/** Where a command prints its result (process.stdout, or a test's buffer). */
export interface Output {
  write(text: string): unknown;
}

/** Bad arguments: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(problem: string, usage: string) {
    super(`${problem}\n${usage}`);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Strict parseArgs whose errors are UsageErrors carrying `usage`. */
export function parseOptions<O extends Options>(argv: string[], options: O, usage: string) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    // parseArgs throws on unknown options, missing option values and stray positionals.
    throw new UsageError(err instanceof Error ? err.message : String(err), usage);
  }
}

/** `--help` or `-h` anywhere among a command's arguments asks for its usage instead of running it. */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

// The project as a user's checkout has it (tracked and new files, node_modules linked), copied to a
// temporary folder and committed there, so that a spec proof can add files, run `npm run generate`
// and `switchyard serve`, and show with git what it had to change.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cleanEnv, cliOf, ROOT } from './process';

export interface ProjectCopy {
  readonly dir: string;
  /** Runs a command in the copy; throws with its output when it fails. */
  run(cmd: string, args: string[]): SpawnSyncReturns<string>;
  git(...args: string[]): string;
  /** `switchyard <args>` of the copy; its trimmed stdout. */
  cli(...args: string[]): string;
  /** Copies a file of the project (path relative to it) into the copy at `to`. */
  add(from: string, to: string): void;
  remove(): void;
}

export function copyProject(prefix: string): ProjectCopy {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const files = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).stdout.split('\0');
  for (const file of files.filter((f) => f !== '')) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    try {
      copyFileSync(join(ROOT, file), join(dir, file));
    } catch {
      // deleted in the working tree but not yet in git
    }
  }
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(dir, 'node_modules'));
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', env: cleanEnv(), timeout: 240_000 });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  const git = (...args: string[]) => run('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args]).stdout;
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'the project as it was');
  return {
    dir,
    run,
    git,
    cli: (...args) => run(process.execPath, [...cliOf(dir), ...args]).stdout.trim(),
    add(from, to) {
      mkdirSync(dirname(join(dir, to)), { recursive: true });
      copyFileSync(join(ROOT, from), join(dir, to));
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

// The bench measures Switchyard as it ships: the JavaScript that `npm run build` compiles into dist/
// (what `npm start`, the package's `switchyard` command and a container run), not the TypeScript
// sources through tsx. tsx keeps function names by wrapping every named function in esbuild's
// `__name()`, which redefines the function's `name` and so gives it a dictionary of properties:
// about 256 bytes of heap for each named function made per connection, a cost no user pays.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './children';

const built = new Set<string>();

/**
 * Compiles `root`'s sources into its dist/ (tsc -b: incremental, a fraction of a second when nothing
 * changed), once per process, so a figure never comes from a stale build.
 */
export function buildShipped(root = REPO_ROOT): void {
  if (built.has(root)) return;
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  built.add(root);
}

/** The compiled entry of `switchyard` (dist/src/cli/main.js) under `root`. */
export const shippedCli = (root = REPO_ROOT): string => join(root, 'dist', 'src', 'cli', 'main.js');

// The bench measures Switchyard as it ships: the JavaScript tsc compiles with the package's build
// settings (tsconfig.build.json, what `npm start`, the package's `switchyard` command and a container
// run), not the TypeScript sources through tsx. tsx keeps function names by wrapping every named
// function in esbuild's `__name()`, which redefines the function's `name` and so gives it a
// dictionary of properties: about 256 bytes of heap for each named function made per connection, a
// cost no user pays. The output goes to bench/.dist/ (bench/tsconfig.shipped.json), not dist/:
// `npm pack` empties dist/ and rebuilds it, and must not pull it from under a running bench.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './children';

const built = new Set<string>();

/**
 * Compiles `root`'s sources into its bench/.dist/ (tsc -b: incremental, a fraction of a second when
 * nothing changed), once per process, so a figure never comes from a stale build.
 */
export function buildShipped(root = REPO_ROOT): void {
  if (built.has(root)) return;
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', join('bench', 'tsconfig.shipped.json')], { cwd: root, stdio: 'inherit' });
  built.add(root);
}

/** A compiled module of `root`, e.g. shipped('src/cli/main.js'). */
export const shipped = (path: string, root = REPO_ROOT): string => join(root, 'bench', '.dist', path);

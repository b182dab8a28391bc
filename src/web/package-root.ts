// The package's folder (holding package.json, specs/ and, once built, dist/web/), found from this
// file whether it runs from src/ (tests, tsx) or from dist/src/ (the built package).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'specs'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package folder (package.json and specs/) above ${from}`);
  }
}

export const PACKAGE_ROOT = findRoot(__dirname);

/** True when running the TypeScript sources; the built package runs dist/src/*.js. */
export const FROM_SOURCES = __filename.endsWith('.ts');

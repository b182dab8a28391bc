// The folder of the switchyard package this code ships in (package.json, specs/): found by walking
// up from the calling file, since it runs from src/ (tsx, ts-jest) and from dist/src/ (built).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface PackageRoot {
  dir: string;
  version: string;
}

export function packageRoot(from: string = __dirname): PackageRoot {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'switchyard' && pkg.version) return { dir, version: pkg.version };
    } catch {
      // no package.json here: keep walking up
    }
    if (dirname(dir) === dir) throw new Error(`no package.json of switchyard above ${from}`);
  }
}

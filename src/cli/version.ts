// The version printed by `switchyard --version`: the one in the package.json this code ships in.
// Looked up by walking up from this file, since it runs from src/ (tsx) and from dist/src/ (built).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function packageVersion(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'switchyard' && pkg.version) return pkg.version;
    } catch {
      // no package.json here: keep walking up
    }
    if (dirname(dir) === dir) throw new Error(`no package.json of switchyard above ${from}`);
  }
}

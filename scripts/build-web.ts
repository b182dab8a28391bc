// `npm run build` (and prepack): writes the browser pages' files to dist/web/ (web/build.ts).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildWebFiles } from '../web/build';

async function main(): Promise<void> {
  const out = join(__dirname, '..', 'dist', 'web');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const file of await buildWebFiles()) writeFileSync(join(out, file.name), file.body);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

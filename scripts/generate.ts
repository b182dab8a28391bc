// npm run generate [-- --check] [--specs DIR] [--out DIR]
// Writes generated/ from specs/, or with --check regenerates in memory and fails naming stale files.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generate } from './codegen';

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      check: { type: 'boolean', default: false },
      specs: { type: 'string', default: 'specs' },
      out: { type: 'string', default: 'generated' },
      quiet: { type: 'boolean', default: false },
    },
  });
  const specsDir = values.specs as string;
  const outDir = values.out as string;
  const { files, errors, summary } = await generate(specsDir);
  if (errors.length) {
    // `specs/pizza.asyncapi.yaml: /components/...: message`: the file as the user can open it.
    const shown = relative(process.cwd(), resolve(specsDir));
    const dir = shown && !shown.startsWith('..') ? shown : resolve(specsDir);
    for (const e of errors) console.error(`${dir}/${e}`);
    console.error(`generate: ${errors.length} problem(s) in ${specsDir}; nothing written`);
    return 1;
  }
  const existing = listFiles(outDir).map((p) => relative(outDir, p));
  if (values.check) {
    const stale = [...files].filter(([path, text]) => !existsSync(join(outDir, path)) || readFileSync(join(outDir, path), 'utf8') !== text).map(([p]) => p);
    const extra = existing.filter((p) => !files.has(p));
    if (stale.length || extra.length) {
      for (const p of stale) console.error(`stale: ${join(outDir, p)}`);
      for (const p of extra) console.error(`not generated (remove it): ${join(outDir, p)}`);
      console.error('generate --check: generated/ is out of date; run `npm run generate` and commit the result');
      return 1;
    }
    if (!values.quiet) console.log(`generate --check: ${files.size} files up to date`);
    return 0;
  }
  for (const p of existing.filter((p) => !files.has(p))) rmSync(join(outDir, p));
  for (const [path, text] of files) {
    mkdirSync(dirname(join(outDir, path)), { recursive: true });
    writeFileSync(join(outDir, path), text);
  }
  if (!values.quiet) {
    for (const [file, c] of Object.entries(summary)) console.log(`${file}: ${Object.entries(c).map(([k, n]) => `${n} ${k}`).join(', ')}`);
    console.log(`generate: wrote ${files.size} files to ${outDir}`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);

// Each AsyncAPI document parsed at build time, as `<file>.json` (e.g. pizza.asyncapi.json): the
// parser's own stringified form (refs resolved, schemas walked), which the AsyncAPI component takes
// as it is. Parsing in the browser took its whole parser into the page and 8-15 s of CPU before the
// page could be read. The documents are validated by `npm run generate`, so the parser's rulesets
// (most of its time) are off here; a document that does not parse at all still fails the build.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Parser, stringify } from '@asyncapi/parser';

const ASYNCAPI_FILE = /\.asyncapi\.yaml$/;

export async function parsedAsyncApiDocs(specsDir: string): Promise<Array<{ name: string; body: Buffer }>> {
  const parser = new Parser({ ruleset: { core: false, recommended: false } });
  const out: Array<{ name: string; body: Buffer }> = [];
  for (const file of readdirSync(specsDir).filter((f) => ASYNCAPI_FILE.test(f)).sort()) {
    const path = join(specsDir, file);
    const { document, diagnostics } = await parser.parse(readFileSync(path, 'utf8'), { source: path });
    const text = document && stringify(document);
    if (!text) throw new Error(`${file} does not parse: ${diagnostics.map((d) => d.message).join('; ')}`);
    out.push({ name: file.replace(ASYNCAPI_FILE, '.asyncapi.json'), body: Buffer.from(text) });
  }
  return out;
}

// The AsyncAPI documents parsed at build time for /docs (web/asyncapi-docs.ts).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unstringify } from '@asyncapi/parser';
import { catalogues } from '../generated';
import { parsedAsyncApiDocs } from '../web/asyncapi-docs';
import { ROOT } from './helpers/process';

it('gives every AsyncAPI spec as the parser\'s stringified document, with every message', async () => {
  const docs = await parsedAsyncApiDocs(join(ROOT, 'specs'));
  expect(docs.map((d) => d.name)).toEqual(['events.asyncapi.json', 'games.asyncapi.json', 'messenger.asyncapi.json', 'pizza.asyncapi.json', 'workspace.asyncapi.json']);
  for (const { name, body } of docs) {
    const document = unstringify(body.toString('utf8'));
    expect(document).toBeDefined();
    const ids = document!.allMessages().all().map((m) => m.id());
    const api = name.replace('.asyncapi.json', '') as keyof typeof catalogues;
    for (const message of Object.values(catalogues[api].messages)) expect(ids).toContain(message.id);
  }
}, 60_000);

it('fails the build for a document that does not parse', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'asyncapi-docs-'));
  writeFileSync(join(dir, 'broken.asyncapi.yaml'), 'asyncapi: 3.0.0\ninfo: [not, a, mapping]\nchannels:\n  a:\n    $ref: "#/nowhere"\n');
  await expect(parsedAsyncApiDocs(dir)).rejects.toThrow(/broken\.asyncapi\.yaml does not parse/);
});

// `switchyard contract export`: the documents a broker needs for bi-directional contract testing,
// self-contained and valid to the same parsers the generator checks the specs with.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Parser } from '@asyncapi/parser';
import { validate as validateOpenApi } from '@readme/openapi-parser';
import { catalogues } from '../generated';
import { runCli } from '../src/cli/cli';
import { contractCommand } from '../src/cli/contract';

const out = mkdtempSync(join(tmpdir(), 'contracts-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const read = (file: string) => JSON.parse(readFileSync(join(out, file), 'utf8'));

beforeAll(async () => {
  let printed = '';
  expect(await runCli(['contract', 'export', '--out', out], { write: (t: string) => (printed += t) })).toBe(0);
  expect(printed.trim().split('\n').sort()).toEqual(readdirSync(out).map((f) => join(out, f)).sort());
});

it('writes one OpenAPI document and one AsyncAPI document per realtime API, none referring to another file', () => {
  const files = readdirSync(out).sort();
  expect(files).toEqual(['events.asyncapi.json', 'games.asyncapi.json', 'messenger.asyncapi.json', 'pizza.asyncapi.json', 'switchyard.openapi.json', 'workspace.asyncapi.json']);
  for (const file of files) expect(readFileSync(join(out, file), 'utf8')).not.toMatch(/"\$ref": "[^#]/);
});

it('the OpenAPI document holds every REST operation, tagged with its API, and is valid OpenAPI', async () => {
  const doc = read('switchyard.openapi.json');
  const exported = Object.values(doc.paths as Record<string, Record<string, { operationId?: string; tags: string[] }>>).flatMap((item) =>
    Object.values(item).filter((op) => op.operationId).map((op) => `${op.tags[0]} ${op.operationId}`),
  );
  const documented = Object.values(catalogues).flatMap((c) => Object.keys(c.operations).map((id) => `${c.api} ${id}`));
  expect(exported.sort()).toEqual(documented.sort());
  const result = await validateOpenApi(join(out, 'switchyard.openapi.json'));
  expect(result.valid ? [] : result.errors.map((e) => e.message.split('\n')[0])).toEqual([]);
});

it.each(['events', 'games', 'messenger', 'pizza', 'workspace'])('%s.asyncapi.json parses without errors', async (api) => {
  const { diagnostics } = await new Parser().parse(readFileSync(join(out, `${api}.asyncapi.json`), 'utf8'));
  expect(diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('/')}: ${d.message}`)).toEqual([]);
});

it('says what it needs', async () => {
  let err = '';
  expect(await runCli(['contract'], { write: () => 0 }, { write: (t: string) => (err += t) })).toBe(2);
  expect(err).toMatch(/^switchyard: which contract command: export\nusage: switchyard contract export/);
});

describe('contractCommand (src/cli/contract.ts) directly', () => {
  it('refuses a sub-command other than export, and an unknown option, as usage errors', async () => {
    const out = { write: () => true };
    await expect(contractCommand.run(['import'], out)).rejects.toMatchObject({ name: 'UsageError', message: expect.stringMatching(/^unknown contract command "import"\nusage: /) });
    await expect(contractCommand.run(['export', '--outdir', 'x'], out)).rejects.toMatchObject({ name: 'UsageError' });
  });

  it('creates a missing --out folder, however deep, and prints each file it wrote', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'contracts-'));
    const deep = join(fresh, 'a', 'b');
    let printed = '';
    expect(await contractCommand.run(['export', '--out', deep], { write: (t: string) => (printed += t) })).toBe(0);
    expect(readdirSync(deep).sort()).toEqual(readdirSync(out).filter((f) => f.endsWith('.json')).sort());
    expect(printed.endsWith('\n')).toBe(true);
    expect(printed.trim().split('\n').sort()).toEqual(readdirSync(deep).map((f) => join(deep, f)).sort());
    expect(readFileSync(join(deep, 'pizza.asyncapi.json'), 'utf8')).toMatch(/\n$/);
    rmSync(fresh, { recursive: true, force: true });
  });
});

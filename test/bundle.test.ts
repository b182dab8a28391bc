// exportContracts (`switchyard contract export`) on small spec sets: how references are inlined, and
// the errors a broken spec set gives. (The export of the real specs, validated by the OpenAPI and
// AsyncAPI parsers: test/contract-export.test.ts.) specDocuments is replaced here by in-memory
// documents, so each case shows one rule.
import type { SpecDocument } from '../src/pact-verification/specs';

const docs: SpecDocument[] = [];
jest.mock('../src/pact-verification/specs', () => ({ specDocuments: () => docs }));
import { exportContracts } from '../src/pact-verification/bundle';

const spec = (file: string, raw: Record<string, unknown>): SpecDocument => ({ file, path: `/specs/${file}`, raw });
const use = (...specs: SpecDocument[]) => docs.splice(0, docs.length, ...specs);
const ok = { responses: { '200': { description: 'ok' } } };

it('merges the REST operations of every OpenAPI spec, each tagged with its API, into one fully dereferenced document', () => {
  use(
    spec('a.openapi.yaml', {
      info: { title: 'A API' },
      paths: { '/a': { get: { ...ok, tags: ['extra'], parameters: [{ $ref: '#/components/parameters/P' }] }, parameters: [] } },
      components: { parameters: { P: { name: 'p', in: 'query', schema: { $ref: 'shared.yaml#/Id' } } } },
    }),
    spec('b.openapi.yaml', { info: { title: 'B API' }, paths: { '/b': { post: ok } } }),
    spec('shared.yaml', { Id: { type: 'string', format: 'uuid' } }),
  );
  const [merged, ...rest] = exportContracts('1.2.3');
  expect(rest).toEqual([]);
  expect(merged.file).toBe('switchyard.openapi.json');
  expect(merged.document).toMatchObject({
    openapi: '3.1.0',
    info: { version: '1.2.3', description: 'The REST operations of a, b, from specs/*.openapi.yaml.' },
    tags: [{ name: 'a', description: 'A API' }, { name: 'b', description: 'B API' }],
  });
  expect(merged.document.paths).toEqual({
    '/a': { get: { ...ok, tags: ['a', 'extra'], parameters: [{ name: 'p', in: 'query', schema: { type: 'string', format: 'uuid' } }] }, parameters: [] },
    '/b': { post: { ...ok, tags: ['b'] } },
  });
});

it("an AsyncAPI document keeps its own #/ references and inlines other files', with every reference inside them", () => {
  use(
    spec('c.asyncapi.yaml', {
      asyncapi: '3.0.0',
      operations: { send: { channel: { $ref: '#/channels/x' } } },
      channels: { x: { messages: { m: { $ref: 'common.yaml#/Message', description: 'sibling kept' } } } },
    }),
    spec('common.yaml', { Message: { payload: { $ref: '#/Payload' } }, Payload: { type: 'object', title: 'a~b/c' } }),
  );
  const exported = exportContracts('0.0.0');
  expect(exported.map((e) => e.file)).toEqual(['switchyard.openapi.json', 'c.asyncapi.json']);
  expect(exported[1].document).toEqual({
    asyncapi: '3.0.0',
    operations: { send: { channel: { $ref: '#/channels/x' } } },
    channels: { x: { messages: { m: { payload: { type: 'object', title: 'a~b/c' }, description: 'sibling kept' } } } },
  });
});

it('reads JSON pointers with escaped segments (~1 for /, ~0 for ~)', () => {
  use(spec('d.openapi.yaml', { paths: { '/d': { get: { responses: { '200': { $ref: '#/x/a~1b/c~0d' } } } } }, x: { 'a/b': { 'c~d': { description: 'escaped' } } } }));
  expect(exportContracts('1').at(0)!.document.paths['/d'].get.responses['200']).toEqual({ description: 'escaped' });
});

describe('a broken spec set is an error naming the file and the reference', () => {
  it.each([
    ['a reference to a file that is not a spec', { $ref: 'missing.yaml#/X' }, 'e.openapi.yaml: $ref missing.yaml#/X names no spec file'],
    ['a pointer to nothing', { $ref: '#/nowhere' }, 'unresolvable $ref #/nowhere'],
    ['a pointer through a scalar', { $ref: '#/info/title/deeper' }, 'unresolvable $ref #/info/title/deeper'],
    ['a circular reference', { $ref: '#/components/schemas/Loop' }, 'e.openapi.yaml: $ref #/components/schemas/Loop is circular'],
  ])('%s', (_what, schema, error) => {
    use(
      spec('e.openapi.yaml', {
        info: { title: 'E' },
        paths: { '/e': { get: { responses: { '200': { description: 'ok', content: { 'application/json': { schema } } } } } } },
        components: { schemas: { Loop: { type: 'object', properties: { next: { $ref: '#/components/schemas/Loop' } } } } },
      }),
    );
    expect(() => exportContracts('1')).toThrow(error);
  });

  it('the same path in two APIs', () => {
    use(spec('f.openapi.yaml', { paths: { '/same': { get: ok } } }), spec('g.openapi.yaml', { paths: { '/same': { post: ok } } }));
    expect(() => exportContracts('1')).toThrow('g.openapi.yaml: path /same is also in another API');
  });
});

it('a reference used twice is not circular', () => {
  use(spec('h.openapi.yaml', { paths: { '/h': { get: { responses: { '200': { $ref: '#/R' }, '201': { $ref: '#/R' } } } } }, R: { description: 'r' } }));
  expect(exportContracts('1')[0].document.paths['/h'].get.responses).toEqual({ '200': { description: 'r' }, '201': { description: 'r' } });
});

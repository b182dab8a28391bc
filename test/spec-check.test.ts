// The spec check of one interaction against the real specs (through the generated catalogues and the
// relaxed validators): each problem a consumer's pact can have, in the words `switchyard verify` prints.
// (Every pact in pacts/ fitting, and the fixtures' rejections: contract/spec-check/pacts.test.ts.)
import { join } from 'node:path';
import { catalogues } from '../generated';
import { readPact, type HttpInteraction, type Interaction, type MessageInteraction, type PactFile } from '../src/pact-verification/pact-file';
import { checkInteraction, checkPact, findOperation, loadSpecs } from '../src/pact-verification/spec-check';

const specs = loadSpecs();

const http = (request: Partial<HttpInteraction['request']>, response: Partial<HttpInteraction['response']> = {}): HttpInteraction => ({
  type: 'Synchronous/HTTP',
  description: 'an http interaction',
  request: { method: 'GET', path: '/', ...request },
  response: { status: 200, ...response },
});
const message = (metadata: Record<string, unknown>, content: unknown): MessageInteraction => ({
  type: 'Asynchronous/Messages',
  description: 'a message',
  metadata,
  contents: { content, contentType: 'application/json' },
});
const json = (content: unknown) => ({ content, contentType: 'application/json' });
const pizzaPublish = () => readPact(join(__dirname, '..', 'pacts', 'publisher-switchyard.json')).interactions[0] as HttpInteraction;

describe('findOperation', () => {
  it('finds an operation by method (any case) and path template, with its decoded path parameters', () => {
    expect(findOperation(catalogues, 'post', '/publish/v1/pizza')).toMatchObject({ api: 'gateway', op: { operationId: 'publish' }, params: { api: 'pizza' } });
    expect(findOperation(catalogues, 'GET', '/events/v1/ping/a%20b')).toMatchObject({ api: 'events', op: { operationId: 'ping' }, params: { token: 'a b' } });
  });

  it('a longer path is another operation, and a parameter is one segment only', () => {
    expect(findOperation(catalogues, 'POST', '/publish/v1/pizza/batch')?.op.operationId).toBe('publishBatch');
    expect(findOperation(catalogues, 'GET', '/events/v1/ping/a/b')).toBeUndefined();
    expect(findOperation(catalogues, 'GET', '/healthz/')).toBeUndefined();
    expect(findOperation(catalogues, 'DELETE', '/healthz')).toBeUndefined();
  });

  it('a path whose parameter is not valid percent-encoding names no operation (and does not throw)', () => {
    expect(findOperation(catalogues, 'GET', '/events/v1/ping/%E0%A4%A')).toBeUndefined();
    expect(checkInteraction(http({ path: '/events/v1/ping/%E0%A4%A' }), specs)).toEqual(['no operation GET /events/v1/ping/%E0%A4%A in the specs']);
  });
});

describe('HTTP interactions', () => {
  it('a real interaction fits', () => {
    expect(checkInteraction(pizzaPublish(), specs)).toEqual([]);
  });

  it('an operation the specs lack', () => {
    expect(checkInteraction(http({ path: '/nope' }), specs)).toEqual(['no operation GET /nope in the specs']);
  });

  it('a status the operation does not document', () => {
    expect(checkInteraction({ ...pizzaPublish(), response: { status: 500 } }, specs)).toEqual(['publish documents no 500 response']);
  });

  it('a response field the spec lacks, and one of another type', () => {
    const i = pizzaPublish();
    expect(checkInteraction({ ...i, response: { status: 202, body: json({ id: 'x', extra: 1 }) } }, specs)).toEqual(['response 202 body: (root): unexpected property "extra"']);
    expect(checkInteraction({ ...i, response: { status: 202, body: json({ id: 7 }) } }, specs)).toEqual(['response 202 body: /id: must be string']);
  });

  it('a response body of a content type the spec does not document, from the body or the headers', () => {
    const i = pizzaPublish();
    expect(checkInteraction({ ...i, response: { status: 202, body: { content: 'ok', contentType: 'text/plain; charset=utf-8' } } }, specs)).toEqual([
      'response 202 body: the spec documents no text/plain body (only application/json)',
    ]);
    expect(checkInteraction({ ...i, response: { status: 202, headers: { 'CONTENT-TYPE': ['text/html'] }, body: { content: '<p>' } } }, specs)).toEqual([
      'response 202 body: the spec documents no text/html body (only application/json)',
    ]);
  });

  it('a 2xx request must validate in full: body and query', () => {
    const i = pizzaPublish();
    expect(checkInteraction({ ...i, request: { ...i.request, body: undefined } }, specs)).toEqual(['publish needs a request body']);
    expect(checkInteraction({ ...i, request: { ...i.request, body: json({ message: 'CREATE_PIZZA' }) } }, specs)).toEqual(['request body: (root): missing required property "to"', 'request body: (root): missing required property "data"']);
    expect(checkInteraction(http({ path: '/healthz', query: { verbose: ['1'] } }), specs)).toEqual(['healthz takes no query parameters']);
  });

  it('a 4xx interaction sends what the spec refuses on purpose: its request is not checked', () => {
    const i = pizzaPublish();
    expect(checkInteraction({ ...i, request: { ...i.request, body: json({ nonsense: true }) }, response: { status: 400 } }, specs)).toEqual([]);
  });

  it('the query: only its first value is read, and it is validated', () => {
    const query = { channel: ['c'], clientId: ['w'], secret: ['s'], after: ['1'], limit: ['2'] };
    expect(checkInteraction(http({ path: '/events/v1/events', query }), specs)).toEqual([]);
    expect(checkInteraction(http({ path: '/events/v1/events', query: { ...query, limit: ['many', '2'] } }), specs)).toEqual([expect.stringMatching(/^query: \/limit: /)]);
  });

  it('a form-encoded request body is validated as its fields', () => {
    const form = (content: string) => http({ method: 'POST', path: '/events/polling', body: { content, contentType: 'application/x-www-form-urlencoded' } });
    expect(checkInteraction(form('token=abc'), specs)).toEqual([]);
    expect(checkInteraction(form('token=abc&colour=red'), specs)).toEqual([expect.stringMatching(/^request body: .*"colour"/)]);
  });
});

describe('message interactions', () => {
  it('a real message fits', () => {
    expect(checkInteraction(message({ api: 'workspace', message: 'channel-created', event: 'channel-created' }, { channelId: 'a', workspaceId: 'b' }), specs)).toEqual([]);
  });

  it('metadata naming no message of the specs', () => {
    expect(checkInteraction(message({ api: 'workspace', message: 'nope' }, {}), specs)).toEqual(['metadata {api: "workspace", message: "nope"} names no message of the specs']);
    expect(checkInteraction(message({}, {}), specs)).toEqual(['metadata {api: undefined, message: undefined} names no message of the specs']);
    // Names an object's own properties answer (toString, constructor) are no API and no message either.
    expect(checkInteraction(message({ api: 'toString', message: 'x' }, {}), specs)).toEqual(['metadata {api: "toString", message: "x"} names no message of the specs']);
    expect(checkInteraction(message({ api: 'workspace', message: 'constructor' }, {}), specs)).toEqual(['metadata {api: "workspace", message: "constructor"} names no message of the specs']);
  });

  it('a message Switchyard receives, not sends', () => {
    expect(checkInteraction(message({ api: 'workspace', message: 'auth', event: 'auth' }, {}), specs)).toEqual(['workspace auth is not a message Switchyard sends']);
  });

  it('content the spec does not promise', () => {
    expect(checkInteraction(message({ api: 'workspace', message: 'channel-created', event: 'channel-created' }, { channelId: 1 }), specs)).toEqual(['content: /channelId: must be string']);
  });

  it('a socket.io message needs its event name; a templated name matches any filling', () => {
    expect(checkInteraction(message({ api: 'workspace', message: 'channel-created' }, {}), specs)).toEqual(['metadata event undefined is not the socket.io event "channel-created"']);
    expect(checkInteraction(message({ api: 'workspace', message: 'channel-created', event: 'channel-deleted' }, {}), specs)).toEqual([
      'metadata event "channel-deleted" is not the socket.io event "channel-created"',
    ]);
    const error = (event: string) => checkInteraction(message({ api: 'workspace', message: 'socket-api-error-transaction', event }, {}), specs);
    expect(error('socket-api-error-auth-1')).toEqual([]);
    expect(error('socket-api-error-')).toEqual(['metadata event "socket-api-error-" is not the socket.io event "socket-api-error-{transaction}"']);
    expect(error('xsocket-api-error-auth')).toHaveLength(1);
  });
});

describe('checkPact', () => {
  it('an interaction of another type is named as not checked; every problem names its interaction', () => {
    const pact: PactFile = {
      file: 'f.json',
      consumer: 'shop',
      provider: 'switchyard',
      interactions: [pizzaPublish(), { type: 'Synchronous/Messages', description: 'a sync message' } as Interaction, { ...http({ path: '/nope' }), description: 'lost' }],
    };
    expect(checkPact(pact, specs)).toEqual(['shop "a sync message": interaction type Synchronous/Messages is not checked', 'shop "lost": no operation GET /nope in the specs']);
  });
});

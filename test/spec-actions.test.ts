// src/apis/spec-actions.ts on the catalogue generated from examples/todos: finding the handler file,
// and the one answer every client frame gets (reply, or the spec's error frame) in each way a
// request can fail. The socket end to end, in a copy of the project: test/spec-action-api.test.ts.
import { createServer, type Server } from 'node:http';
import { copyFileSync, cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiCatalogue } from '../generated';
import type { SocketEndpoint } from '../generated/socket-endpoints';
import { specSocketApi } from '../src/apis/spec-socket';
import { ActionError, loadHandlers, SpecActions, type Caller, type Handlers } from '../src/apis/spec-actions';
import type { Catalogues } from '../src/apis/context';
import type { ApiName } from '../src/ports/bus';
import { startGateway, type TestGateway } from './helpers/gateway';
import { ROOT, runGenerate } from './helpers/run-generate';
import { metricValue } from './helpers/workspace-client';

const work = join(ROOT, '.tmp', `spec-actions-${process.pid}`);
let catalogues: Catalogues;
let endpoint: SocketEndpoint;
let gw: TestGateway;
let backend: Server;
/** What the archive back-end answers next. */
let answer: { status: number; body: string };
const caller: Caller = { claims: { sub: 'alice' }, audience: 'groceries' };
const item = { id: 't-1', text: 'Buy milk', by: 'alice', done: false };

beforeAll(async () => {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  cpSync(join(ROOT, 'specs'), join(work, 'specs'), { recursive: true });
  copyFileSync(join(ROOT, 'examples', 'todos', 'todos.asyncapi.yaml'), join(work, 'specs', 'todos.asyncapi.yaml'));
  const r = runGenerate(['--specs', join(work, 'specs'), '--out', join(work, 'generated')]);
  if (r.status !== 0) throw new Error(`generate failed:\n${r.stderr}`);
  /* eslint-disable @typescript-eslint/no-require-imports */
  catalogues = require(join(work, 'generated', 'index.ts')).catalogues;
  endpoint = require(join(work, 'generated', 'socket-endpoints.ts')).socketEndpoints.todos;
  /* eslint-enable @typescript-eslint/no-require-imports */

  backend = createServer((_req, res) => {
    res.statusCode = answer.status;
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(backend.address() as { port: number }).port}/`;
  // The todos socket itself is not mounted (its handler file is not in src/): SpecActions is driven directly.
  gw = await startGateway({ ACTION_BACKENDS: `archive=${url}` }, { catalogues, socketEndpoints: {} });
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  await new Promise((resolve) => backend?.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

/** The todos catalogue (not an API of this build's generated/, so not in the Catalogues type). */
const todos = () => (catalogues as unknown as Record<string, ApiCatalogue>).todos;
const good: Handlers = { add: async () => ({ item }), list: () => ({ items: [item] }) };
const actions = (handlers: Handlers = good) => new SpecActions(gw.gateway.context, 'todos' as ApiName, endpoint, handlers);
const ask = (frame: unknown, handlers?: Handlers) => actions(handlers).answer(typeof frame === 'string' ? frame : JSON.stringify(frame), caller);
const error = (id: string | null, status: number, errors: unknown[]) => ({ type: 'error', id, status, errors });
/** outgoing_invalid_total of a todos message (the frames refused before sending). */
const refused = (message: string) => metricValue(gw.gateway.context.metrics.outgoingInvalidTotal, { api: 'todos', message });

describe('loadHandlers', () => {
  // A new folder per file: Jest's resolver remembers what it found (or did not) at a path.
  let dir = '';
  let n = 0;
  const write = (text: string) => {
    dir = join(work, `apis-${n++}`);
    mkdirSync(join(dir, 'todos'), { recursive: true });
    writeFileSync(join(dir, 'todos', 'handlers.js'), text);
  };
  beforeEach(() => (dir = join(work, `apis-${n++}`)));

  it('loads `handlers` of <dir>/<api>/handlers', () => {
    write('exports.handlers = { add() {}, list() {} };');
    expect(Object.keys(loadHandlers('todos', endpoint, todos(), dir))).toEqual(['add', 'list']);
  });

  it('names the file to write when it is missing', () => {
    expect(() => loadHandlers('todos', endpoint, todos(), dir)).toThrow(
      "todos: the spec's actions add, list need handlers: write src/apis/todos/handlers.ts exporting `handlers`",
    );
  });

  it('needs no file when the spec forwards every action', () => {
    const forwardedOnly = { ...endpoint, actions: { archive: endpoint.actions.archive } };
    expect(loadHandlers('todos', forwardedOnly, todos(), dir)).toEqual({});
  });

  it('refuses a missing handler, and one for an action the spec forwards or does not have', () => {
    write('exports.handlers = { add() {} };');
    expect(() => loadHandlers('todos', endpoint, todos(), dir)).toThrow('todos: src/apis/todos/handlers.ts has no handler for list');
    write('exports.handlers = { add() {}, list() {}, archive() {}, rename() {} };');
    expect(() => loadHandlers('todos', endpoint, todos(), dir)).toThrow('has handlers for archive, rename, which the spec does not serve by handler');
  });

  it('stops the spec socket API from being built when its handler file is missing (src/apis/todos/ has none)', () => {
    expect(() => specSocketApi(gw.gateway.context, 'todos', endpoint)).toThrow('write src/apis/todos/handlers.ts exporting `handlers`');
  });

  it('lets an error inside the handler file through as it is', () => {
    write("throw new Error('broken handler file');");
    expect(() => loadHandlers('todos', endpoint, todos(), dir)).toThrow('broken handler file');
  });
});

describe('SpecActions.answer', () => {
  it('replies with the handler result, the reply consts and the request id', async () => {
    expect(await ask({ type: 'add', id: 'r1', text: 'Buy milk' })).toEqual({ type: 'add-reply', id: 'r1', item });
  });

  it.each<[string, unknown, unknown]>([
    ['a binary frame', undefined, error(null, 400, ['Send JSON text frames'])],
    ['text that is not JSON', '{', error(null, 400, ['The frame is not JSON'])],
    // Not walked at all, not even for its id.
    ['JSON nested too deep', JSON.stringify({ id: 'r', a: JSON.parse('['.repeat(200) + ']'.repeat(200)) }), error(null, 400, [expect.stringContaining('deep')])],
    ['a request of no operation', { type: 'rename', id: 'r' }, error('r', 400, ['Unknown request: expected one of add, list, archive'])],
    ['a request that breaks the spec', { type: 'add', id: 'r', text: '' }, error('r', 400, [expect.stringContaining('text')])],
    // An id the spec's error frame cannot carry (a number) is not echoed: the frame must pass its validator.
    ['a request whose id is not a string', { type: 'list', id: 7 }, error(null, 400, [expect.stringContaining('id')])],
  ])('answers %s 400', async (_what, frame, expected) => {
    expect(await actions().answer(typeof frame === 'object' ? JSON.stringify(frame) : (frame as string | undefined), caller)).toEqual(expected);
  });

  it('answers an ActionError with its status and errors', async () => {
    const full: Handlers = { ...good, add: () => Promise.reject(new ActionError(409, 'The list is full')) };
    expect(await ask({ type: 'add', id: 'r2', text: 'x' }, full)).toEqual(error('r2', 409, ['The list is full']));
  });

  it('answers 500 when a handler throws, or returns a reply that breaks the spec', async () => {
    const throws: Handlers = { ...good, list: () => { throw new Error('bug'); } };
    expect(await ask({ type: 'list', id: 'r3' }, throws)).toEqual(error('r3', 500, ['Internal error']));
    const wrong: Handlers = { ...good, list: () => ({ items: 'none' }) };
    const before = await refused('listReply');
    expect(await ask({ type: 'list', id: 'r4' }, wrong)).toEqual(error('r4', 500, ["list: the handler's reply breaks the spec"]));
    expect(await refused('listReply')).toBe(before + 1);
  });

  it('refuses a handler publish that breaks the spec (500), and delivers a good one to the caller\'s audience', async () => {
    const bad: Handlers = { ...good, add: async (_r, c) => { await c.publish('added', { id: 1 }); return { item }; } };
    expect(await ask({ type: 'add', id: 'r5', text: 'x' }, bad)).toEqual(error('r5', 500, ['Internal error']));
    const seen: unknown[] = [];
    const sub = await gw.gateway.context.bus.subscribe('todos' as ApiName, 'fanout', (e) => void seen.push(e));
    const publishes: Handlers = { ...good, add: async (_r, c) => { await c.publish('added', item); return { item }; } };
    expect(await ask({ type: 'add', id: 'r6', text: 'x' }, publishes)).toEqual({ type: 'add-reply', id: 'r6', item });
    // Delivered on this node before the reply was returned.
    expect(seen).toEqual([expect.objectContaining({ message: 'added', to: { list_id: 'groceries' }, data: item })]);
    await sub.close();
  });

  it('relays a forwarded action: the back-end reply, its errors, and 502 for an answer the reply message rejects', async () => {
    answer = { status: 200, body: JSON.stringify({ response_status: 200, errors: [], data: { archived: 3 } }) };
    expect(await ask({ type: 'archive', id: 'a1' })).toEqual({ type: 'archive-reply', id: 'a1', archived: 3 });
    answer = { status: 200, body: JSON.stringify({ response_status: 403, errors: ['Not your list'], data: null }) };
    expect(await ask({ type: 'archive', id: 'a2' })).toEqual(error('a2', 403, ['Not your list']));
    answer = { status: 200, body: JSON.stringify({ response_status: 200, errors: [], data: { archived: -1 } }) };
    const before = await refused('archiveReply');
    expect(await ask({ type: 'archive', id: 'a3' })).toEqual(error('a3', 502, ["archive: the back-end's answer is not a valid reply"]));
    expect(await refused('archiveReply')).toBe(before + 1);
    answer = { status: 500, body: 'oops' };
    expect(await ask({ type: 'archive', id: 'a4' })).toEqual(error('a4', 502, ['Archive back-end answered HTTP 500']));
  });

  it('answers 503 for a forwarded action whose back-end is not configured, and names it', async () => {
    const bare = await startGateway({}, { catalogues, socketEndpoints: {} });
    try {
      const unconfigured = new SpecActions(bare.gateway.context, 'todos' as ApiName, endpoint, good);
      expect(unconfigured.unconfigured()).toEqual(['archive']);
      expect(await unconfigured.answer(JSON.stringify({ type: 'archive', id: 'a5' }), caller)).toEqual(
        error('a5', 503, ['No back-end is configured for "archive" (ACTION_BACKENDS has no "archive")']),
      );
    } finally {
      await bare.stop();
    }
  });

  it('sends nothing (undefined) when not even an error frame the spec accepts can be built, and counts it', async () => {
    // An error message stricter than the generator checks: the list reply (it requires `items`).
    const strict = new SpecActions(gw.gateway.context, 'todos' as ApiName, { ...endpoint, error: 'listReply' }, good);
    const before = await refused('listReply');
    expect(await strict.answer(JSON.stringify({ type: 'rename', id: 'r8' }), caller)).toBeUndefined();
    expect(strict.refusal(undefined, 429, 'Too many requests')).toBeUndefined();
    expect(await refused('listReply')).toBe(before + 2);
  });

  it('builds the refusal of a request it does not serve (over the rate) with the request id', () => {
    expect(actions().refusal(JSON.stringify({ type: 'list', id: 'r7' }), 429, 'Too many requests')).toEqual(error('r7', 429, ['Too many requests']));
    expect(actions().refusal(undefined, 429, 'Too many requests')).toEqual(error(null, 429, ['Too many requests']));
  });
});

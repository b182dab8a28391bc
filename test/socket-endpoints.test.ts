// scripts/codegen/socket-endpoints.ts: which channels describe a broadcast-only socket API, and the
// `file: path: message` problems of one that does so wrongly.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { socketEndpoints as generated } from '../generated/socket-endpoints';
import { lintSwitchyardKeys } from '../scripts/codegen/lint-switchyard';
import { socketEndpoints } from '../scripts/codegen/socket-endpoints';
import type { Spec } from '../scripts/codegen/specs';
import type { Json } from '../scripts/codegen/pointer';

const ROOT = join(__dirname, '..');
const FILE = 'notifications.asyncapi.yaml';
const example = (): Json => parse(readFileSync(join(ROOT, 'examples', 'notifications', FILE), 'utf8'));
const spec = (raw: Json, file = FILE): Spec => ({ file, path: file, api: file.split('.')[0], kind: 'asyncapi', raw });
const pizza = (): Spec => spec(parse(readFileSync(join(ROOT, 'specs', 'pizza.asyncapi.yaml'), 'utf8')), 'pizza.asyncapi.yaml');

/** The example with its notifications channel changed by `edit`; the problems generate reports. */
function problems(edit: (channel: Json, doc: Json) => void): string[] {
  const doc = example();
  edit((doc.channels as Json).notifications as Json, doc);
  return socketEndpoints([pizza(), spec(doc)]).errors;
}

it('reads the example: path, audience key, where its value and the token come from', () => {
  expect(socketEndpoints([pizza(), spec(example())])).toEqual({
    endpoints: {
      notifications: { path: '/notifications', audience: 'user_id', from: { claim: 'user_id' }, token: ['header', 'query'], actions: {}, error: null, correlation: null },
    },
    errors: [],
  });
});

it('finds no endpoint in the hand-served APIs (generated/socket-endpoints.ts)', () => {
  expect(generated).toEqual({});
});

it.each<[string, (ch: Json, doc: Json) => void, string]>([
  ['no audience key', (ch) => delete (ch['x-switchyard'] as Json).audience, '/x-switchyard/audience: must name the envelope `to` key that groups the sockets'],
  ['a source that is neither claim nor query', (ch) => ((ch['x-switchyard'] as Json).from = { header: 'x' }), '/x-switchyard/from: must be {claim: <token claim>} or {query: <query parameter>}'],
  ['no token place', (ch) => ((ch['x-switchyard'] as Json).token = []), '/x-switchyard/token: must list where the client JWT is read'],
  ['a relative address', (ch) => (ch.address = 'notifications'), '/address: must be the upgrade path, starting with /'],
  ['a socket.io path', (ch) => (ch.address = '/socket.io/x'), '/address: must be the upgrade path, starting with / (socket.io serves /socket.io/)'],
  ['a path another API serves', (ch) => (ch.address = '/ws'), '/address: /ws is served already (pizza.asyncapi.yaml channel notifications)'],
  ['a kafka channel', (ch) => (ch.servers = [{ $ref: '#/servers/kafka' }]), '/servers: a socket endpoint is a channel on a server with protocol ws'],
  [
    'a message published to another audience too',
    (_ch, doc) => ((((doc.components as Json).messages as Json).notification as Json)['x-switchyard'] as Json).audience = ['user_id', 'team_id'],
    '/messages/notification: audience team_id: this endpoint groups sockets by user_id only',
  ],
  [
    'a message back-ends cannot publish',
    (_ch, doc) => delete (((doc.components as Json).messages as Json).notification as Json)['x-switchyard'],
    '/messages/notification: a socket endpoint carries only messages back-ends publish',
  ],
])('refuses %s', (_what, edit, message) => {
  const [problem, ...more] = problems(edit);
  expect(more).toEqual([]);
  const expected = `${FILE}: /channels/notifications${message}`;
  expect(problem.slice(0, expected.length)).toBe(expected);
});

it('leaves a misspelt key to the spec lint, which names it; the rule then misses the key it needed', () => {
  const doc = example();
  const rule = ((doc.channels as Json).notifications as Json)['x-switchyard'] as Json;
  rule.audiences = rule.audience;
  delete rule.audience;
  expect(lintSwitchyardKeys(spec(doc))).toEqual([
    `${FILE}: /channels/notifications/x-switchyard/audiences: unknown x-switchyard key "audiences": did you mean "audience"? (known on a channel: audience, from, token, error)`,
  ]);
  expect(socketEndpoints([spec(doc)]).errors).toEqual([`${FILE}: /channels/notifications/x-switchyard/audience: must name the envelope \`to\` key that groups the sockets`]);
});

describe('client actions (examples/todos)', () => {
  const TODOS = 'todos.asyncapi.yaml';
  const todos = (): Json => parse(readFileSync(join(ROOT, 'examples', 'todos', TODOS), 'utf8'));
  const messages = (doc: Json) => (doc.components as Json).messages as Json;
  const channel = (doc: Json) => (doc.channels as Json).todos as Json;
  function todoProblems(edit: (doc: Json) => void): string[] {
    const doc = todos();
    edit(doc);
    return socketEndpoints([spec(doc, TODOS)]).errors;
  }

  it('reads the receive operations with a reply by operationId, the error reply and the correlation id', () => {
    expect(socketEndpoints([spec(todos(), TODOS)])).toEqual({
      endpoints: {
        todos: {
          path: '/todos', audience: 'list_id', from: { query: 'list' }, token: ['header', 'query'],
          actions: { add: { request: 'addRequest', reply: 'addReply' }, list: { request: 'listRequest', reply: 'listReply' }, archive: { request: 'archiveRequest', reply: 'archiveReply' } },
          error: 'error',
          correlation: '/id',
        },
      },
      errors: [],
    });
  });

  it.each<[string, (doc: Json) => void, string]>([
    ['actions without an error reply', (doc) => delete (channel(doc)['x-switchyard'] as Json).error, '/x-switchyard/error: a channel with client actions names its error reply'],
    ['an error reply that is not a message $ref', (doc) => ((channel(doc)['x-switchyard'] as Json).error = 'error'), '/x-switchyard/error: must be a $ref to the message'],
    [
      'an error reply without status and errors',
      (doc) => delete ((((doc.components as Json).schemas as Json).Error as Json).properties as Json).status,
      '/x-switchyard/error: the error reply payload must have the properties status (integer) and errors (array)',
    ],
    [
      'an action with two replies',
      (doc) => ((((doc.operations as Json).add as Json).reply as Json).messages as unknown[]).push({ $ref: '#/channels/todos/messages/error' }),
      '/x-switchyard: operation add: a client action lists exactly one request message and one reply message',
    ],
    [
      'requests no const tells apart',
      (doc) => ((((doc.components as Json).schemas as Json).ListRequest as Json).properties as Json).type = { type: 'string', const: 'add' },
      '/x-switchyard: operation add: its request needs a const field that tells it apart from operation list\'s',
    ],
    ['messages with different correlation ids', (doc) => ((messages(doc).listReply as Json).correlationId = { location: '$message.payload#/re' }), '/x-switchyard: requests, replies and the error reply share one correlationId location'],
    ['a forwarded request with a snapshot', (doc) => (((messages(doc).archiveRequest as Json)['x-switchyard'] as Json).snapshot = '/id'), '/x-switchyard: operation archive: x-switchyard snapshot is not served on a spec socket endpoint'],
  ])('refuses %s', (_what, edit, message) => {
    const [problem, ...more] = todoProblems(edit);
    expect(more).toEqual([]);
    const expected = `${TODOS}: /channels/todos${message}`;
    expect(problem.slice(0, expected.length)).toBe(expected);
  });
});

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
    endpoints: { notifications: { path: '/notifications', audience: 'user_id', from: { claim: 'user_id' }, token: ['header', 'query'] } },
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
    `${FILE}: /channels/notifications/x-switchyard/audiences: unknown x-switchyard key "audiences": did you mean "audience"? (known on a channel: audience, from, token)`,
  ]);
  expect(socketEndpoints([spec(doc)]).errors).toEqual([`${FILE}: /channels/notifications/x-switchyard/audience: must name the envelope \`to\` key that groups the sockets`]);
});

// The provider states a pact names, each against a real throwaway provider (embedded bus and store):
// what it leaves in the store, what it hands the pact, and the words of a bad parameter.
import { startProvider, type Provider } from '../src/pact-verification/provider';
import { stateHandlers, type StateHandler } from '../src/pact-verification/states';
import { messageExample } from '../src/pact-verification/specs';

let provider: Provider;
let states: Record<string, StateHandler>;
beforeAll(async () => {
  provider = await startProvider();
  states = stateHandlers(provider);
});
afterAll(() => provider.stop());

const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
const tokenOf = async (state: string, params?: Record<string, unknown>) => (await states[state](params as never))!.token as string;

it('the empty state, which the verifier sets up before an interaction without one, does nothing', async () => {
  expect(await states['']()).toBeUndefined();
});

it("hands the pact the provider's own events secret", async () => {
  expect(await states['the events API secret is shared with the client']()).toEqual({ apiSecret: provider.context.config.apiSecret });
});

it('channel has events: publishes until the channel holds count events, and only adds', async () => {
  const event = { type: 'MOVE', from: 'turngame/v1', data: [1] };
  const held = () => provider.context.store.events.read('ch-a', 0, 100);
  await states['channel has events']({ channel: 'ch-a', count: 2, event });
  expect((await held()).map((e) => e.type)).toEqual(['MOVE', 'MOVE']);
  await states['channel has events']({ channel: 'ch-a', count: 1, event });
  await states['channel has events']({ channel: 'ch-a', count: '3', event });
  expect(await held()).toHaveLength(3);
});

it('a missing or malformed parameter is named', async () => {
  await expect(states['channel has events']({ count: 1, event: {} })).rejects.toThrow('provider state parameter "channel" is missing (got undefined)');
  await expect(states['channel has events']({ channel: 'c', count: 'two', event: {} })).rejects.toThrow('provider state parameter "count" is not an integer');
  await expect(states['channel has events']({ channel: 'c', count: 1, event: [1] })).rejects.toThrow('provider state parameter "event" is not an object');
  await expect(states['user is signed in']()).rejects.toThrow('provider state parameter "userId" is missing (got undefined)');
  await expect(states['user is signed in']({ userId: '' })).rejects.toThrow('provider state parameter "userId" is missing (got "")');
});

it('channel has events: an event the events API would refuse is named at once (not a 10 s wait that times out)', async () => {
  const attempt = states['channel has events']({ channel: 'ch-bad', count: 1, event: { type: 'MOVE', from: 'x', data: 1 } });
  await expect(attempt).rejects.toThrow(/^provider state "channel has events": the event does not fit the events API: data does not match the spec of event \(\/data\/data: /);
  expect(await provider.context.store.events.read('ch-bad', 0, 10)).toEqual([]);
});

it('the client acknowledged events: sets its cursor', async () => {
  await states['the client acknowledged events of the channel']({ channel: 'ch-b', clientId: 'w1', after: 4 });
  expect(await provider.context.store.cursors.get(['ch-b', 'w1'])).toBe(4);
});

it('tokens: signed with the provider secret, for the user, the store, or a service with or without scope publish', async () => {
  expect(claims(await tokenOf('user is signed in', { userId: 7 }))).toMatchObject({ sub: '7' });
  expect(claims(await tokenOf('a back-office user of a store is signed in', { storeId: '3' }))).toMatchObject({ sub: 'manager', store_id: 3 });
  expect(claims(await tokenOf('a user without a store is signed in'))).not.toHaveProperty('store_id');
  expect(claims(await tokenOf('a service holds a token with scope publish'))).toMatchObject({ sub: 'billing-service', scope: 'publish' });
  expect(claims(await tokenOf('a service holds a token without scope publish'))).not.toHaveProperty('scope');
  // The gateway accepts them: a poll with the user's token is answered (nothing queued: 204).
  const res = await fetch(`${provider.url}/events/polling`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: await tokenOf('user is signed in', { userId: 8 }) }) });
  expect(res.status).toBe(204);
});

it("user has a queued event: exactly that event, framed for the user; nothing queued empties the user's queue", async () => {
  const { polling } = provider.context.store;
  await polling.enqueue('42', 'left over');
  await states['user has a queued new_message']({ userId: '42' });
  const queued = JSON.parse((await polling.dequeue('42'))!);
  expect(queued).toMatchObject({ event: { ...messageExample('messenger', 'new_message').event, to_id: 42 } });
  expect(await polling.dequeue('42')).toBeUndefined();

  await states['user has a queued callback_deprecated']({ userId: '42' });
  await polling.enqueue('42', 'another');
  await states['user has nothing queued']({ userId: '42' });
  expect(await polling.dequeue('42')).toBeUndefined();
});

it('game is waiting for players: stores the snapshot the game service would have published', async () => {
  await states['game is waiting for players']({ pk: 12 });
  const game = await provider.context.store.snapshots.get('12');
  expect(game).toMatchObject({ id: 12, state: 'players_waiting', players: messageExample('games', 'update').payload.data.players });
  expect(provider.context.catalogues.games.messages.update.publish?.validateData?.(game)).toBe(true);
});

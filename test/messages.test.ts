// The message producers of a verification (src/pact-verification/messages.ts), against a real
// throwaway provider: every message Switchyard sends has one, each produces a message the spec
// accepts with metadata naming it, and a missing provider state is named.
import { catalogues } from '../generated';
import { messageProducers, type MessageRequest, type Sent } from '../src/pact-verification/messages';
import { startProvider, type Provider } from '../src/pact-verification/provider';
import { stateHandlers } from '../src/pact-verification/states';

let provider: Provider;
let producerOf: ReturnType<typeof messageProducers>;
beforeAll(async () => {
  provider = await startProvider();
  producerOf = messageProducers(provider);
});
afterAll(() => provider.stop());

const request = (metadata: Record<string, unknown>, providerStates: MessageRequest['providerStates'] = []): MessageRequest => ({ description: 'an interaction', metadata, providerStates });
const produce = async (metadata: Record<string, unknown>, providerStates: MessageRequest['providerStates'] = []): Promise<Sent> => {
  const producer = producerOf(metadata);
  if (typeof producer === 'string') throw new Error(producer);
  return producer(request(metadata, providerStates));
};

describe('choosing a producer', () => {
  it('every message Switchyard sends has one (a message added to a spec is covered without code)', () => {
    const sent = Object.values(catalogues).flatMap((c) => Object.values(c.messages).filter((m) => m.direction === 'send').map((m) => [c.api, m.id]));
    expect(sent.length).toBeGreaterThan(30);
    expect(sent.filter(([api, message]) => typeof producerOf({ api, message }) !== 'function')).toEqual([]);
  });

  it('says why there is none: no such message, or one Switchyard receives', () => {
    expect(producerOf({ api: 'pizza', message: 'nope' })).toBe('metadata {api: "pizza", message: "nope"} names no message of the specs');
    expect(producerOf({})).toBe('metadata {api: undefined, message: undefined} names no message of the specs');
    expect(producerOf({ api: 'constructor', message: 'x' })).toBe('metadata {api: "constructor", message: "x"} names no message of the specs');
    expect(producerOf({ api: 'pizza', message: 'toString' })).toBe('metadata {api: "pizza", message: "toString"} names no message of the specs');
    expect(producerOf({ api: 'workspace', message: 'auth' })).toBe('workspace auth is not a message Switchyard sends');
  });
});

describe('the messages produced', () => {
  /** The message must pass the spec's own validator, and the metadata must name it. */
  const fits = (api: string, id: string, sent: Sent) => {
    expect(sent.__pactMessageMetadata).toMatchObject({ api, message: id });
    const entry = (catalogues as unknown as Record<string, { messages: Record<string, { validate(v: unknown): boolean }> }>)[api].messages[id];
    expect(entry.validate(sent.message)).toBe(true);
  };

  it('published messages, framed as the sockets frame them; socket.io ones name their event', async () => {
    fits('pizza', 'CREATE_PIZZA', await produce({ api: 'pizza', message: 'CREATE_PIZZA' }));
    const created = await produce({ api: 'workspace', message: 'channel-created' });
    fits('workspace', 'channel-created', created);
    expect(created.__pactMessageMetadata.event).toBe('channel-created');
    const update = await produce({ api: 'games', message: 'update' });
    fits('games', 'update', update);
  });

  it('replies and webhook bodies that need no state', async () => {
    for (const id of ['subscribeReply', 'nextQuestionReply', 'checkReply', 'answerReply']) fits('games', id, await produce({ api: 'games', message: id }));
    for (const id of ['new_message', 'callback_deprecated']) fits('messenger', id, await produce({ api: 'messenger', message: id }));
    fits('workspace', 'auth-success', await produce({ api: 'workspace', message: 'auth-success' }));
  });

  it("a templated socket.io event is emitted under the consumer's name for it", async () => {
    const sent = await produce({ api: 'workspace', message: 'socket-api-error-transaction', event: 'socket-api-error-auth-7' });
    fits('workspace', 'socket-api-error-transaction', sent);
    expect(sent.__pactMessageMetadata.event).toBe('socket-api-error-auth-7');
    expect(sent.message).toMatchObject({ message: "Can't listen workspace events" });
  });

  it('a message made from a provider state: produced from what the state left', async () => {
    const states = stateHandlers(provider);
    await states['game is waiting for players']({ pk: 31 });
    const game = [{ name: 'game is waiting for players', params: { pk: 31 } }];
    fits('games', 'retrieveReply', await produce({ api: 'games', message: 'retrieveReply' }, game));
    const joined = await produce({ api: 'games', message: 'joinReply' }, game);
    fits('games', 'joinReply', joined);
    expect(JSON.stringify(joined.message)).toContain('alice');

    await states['channel has events']({ channel: 'msg-ch', count: 1, event: { type: 'MOVE', from: 'x', data: [1] } });
    fits('events', 'event', await produce({ api: 'events', message: 'event' }, [{ name: 'channel has events', params: { channel: 'msg-ch' } }]));

    await states['user has a queued new_message']({ userId: '5' });
    fits('messenger', 'polling-event', await produce({ api: 'messenger', message: 'polling-event' }, [{ name: 'user has a queued new_message', params: { userId: '5' } }]));
  });

  it('a missing provider state, or one that left nothing, is named', async () => {
    await expect(produce({ api: 'games', message: 'joinReply' })).rejects.toThrow('"an interaction" needs a provider state with parameter "pk" (e.g. "game is waiting for players" {pk})');
    await expect(produce({ api: 'games', message: 'retrieveReply' }, [{ name: 'game is waiting for players', params: { pk: 999 } }])).rejects.toThrow(
      'no snapshot of game 999: use provider state "game is waiting for players" {pk}',
    );
    await expect(produce({ api: 'events', message: 'event' }, [{ name: 'channel has events', params: { channel: 'empty-ch' } }])).rejects.toThrow('no event stored on empty-ch');
    await expect(produce({ api: 'messenger', message: 'polling-event' }, [{ name: 'user has nothing queued', params: { userId: '6' } }])).rejects.toThrow('poll answered 204');
  });

  it('the games error reply needs game 404 not to exist', async () => {
    fits('games', 'errorReply', await produce({ api: 'games', message: 'errorReply' }));
    await stateHandlers(provider)['game is waiting for players']({ pk: 404 });
    await expect(produce({ api: 'games', message: 'errorReply' })).rejects.toThrow('game 404 exists');
  });
});


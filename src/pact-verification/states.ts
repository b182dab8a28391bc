// Provider states: each puts the running gateway in the situation an interaction describes, through
// its store or its bus, and returns the values the pact injects with `fromProviderState` (tokens are
// minted with the gateway's secret, the events secret is the gateway's own).
import { randomUUID } from 'node:crypto';
import type { GameSnapshot } from '../../generated/games/models';
import { frameEvent, messageNamed } from '../apis/messenger/framing';
import { checkEnvelope } from '../envelopes/check-envelope';
import { describeErrors } from '../validation/describe-errors';
import { PollingQueues } from '../apis/messenger/polling';
import { eventually, integer, object, params, text, type AnyJson, type JsonMap } from './params';
import type { Provider } from './provider';
import { gameSnapshot, messageExample } from './specs';

/** Sets up one provider state; resolves with the values the pact injects (`fromProviderState`). */
export type StateHandler = (params?: AnyJson) => Promise<JsonMap | undefined>;

export function stateHandlers(provider: Provider): Record<string, StateHandler> {
  const { store, bus, config, catalogues } = provider.context;
  const queues = new PollingQueues(store);

  const drain = async (userId: string) => {
    while ((await store.polling.dequeue(userId)) !== undefined);
  };

  /**
   * Leaves exactly this event in the user's queue, framed and queued as the bus consumer does for a
   * user without a callback (the next poll answers it).
   */
  const queue = async (userId: string, name: string, data: unknown) => {
    const entry = messageNamed(catalogues.messenger, name);
    const framed = frameEvent(entry, data);
    if (!entry.validate(framed.body)) throw new Error(`${name} does not frame: ${describeErrors(entry.validate.errors).join('; ')}`);
    await drain(userId);
    await queues.enqueue(userId, framed.serialized);
  };

  return {
    /** The verifier sets up state "" before an interaction that has none: nothing to do. */
    '': async () => undefined,

    // --- events API
    'the events API secret is shared with the client': async () => ({ apiSecret: config.apiSecret }),

    /**
     * Publishes `event` until the channel holds at least `count` events (a state only adds: the store
     * forgets nothing); the events API's own bus consumer stores them, with their ids and timestamps.
     */
    'channel has events': async (raw) => {
      const p = params(raw);
      const channel = text(p, 'channel');
      const count = integer(p, 'count');
      const event = object(p, 'event');
      // The events consumer drops what does not fit: say so now rather than wait for events that never come.
      const check = checkEnvelope(catalogues.events, 'event', { channel }, event);
      if (!check.ok) throw new Error(`provider state "channel has events": the event does not fit the events API: ${check.error} (${(check.errors ?? []).map((e) => e.message).join('; ')})`);
      const held = async () => (await store.events.read(channel, 0, 100)).length;
      for (let n = await held(); n < count; n++) {
        await bus.publish('events', { id: randomUUID(), message: 'event', to: { channel }, data: event });
      }
      await eventually(async () => ((await held()) >= count ? true : undefined), `${count} events on ${channel}`);
      return undefined;
    },

    'the client acknowledged events of the channel': async (raw) => {
      const p = params(raw);
      await store.cursors.set([text(p, 'channel'), text(p, 'clientId')], integer(p, 'after'));
      return undefined;
    },

    // --- messenger
    'user is signed in': async (raw) => ({ token: await provider.token(text(params(raw), 'userId')) }),

    'user has a queued new_message': async (raw) => {
      const userId = text(params(raw), 'userId');
      const example = messageExample('messenger', 'new_message').event;
      await queue(userId, 'new_message', { ...example, to_id: Number(userId) });
      return undefined;
    },

    'user has a queued callback_deprecated': async (raw) => {
      await queue(text(params(raw), 'userId'), 'callback_deprecated', messageExample('messenger', 'callback_deprecated').event);
      return undefined;
    },

    /** Takes whatever earlier interactions left in the user's queue. */
    'user has nothing queued': async (raw) => {
      await drain(text(params(raw), 'userId'));
      return undefined;
    },

    // --- pizza
    'a back-office user of a store is signed in': async (raw) => ({
      token: await provider.token('manager', { username: 'manager', store_id: integer(params(raw), 'storeId') }),
    }),
    'a user without a store is signed in': async () => ({ token: await provider.token('visitor', { username: 'visitor' }) }),

    // --- publish
    'a service holds a token with scope publish': async () => ({ token: await provider.token('billing-service', {}, 'publish') }),
    'a service holds a token without scope publish': async () => ({ token: await provider.token('billing-service') }),

    // --- games: the snapshot the game service would have published, as the gateway stores it
    'game is waiting for players': async (raw) => {
      const pk = integer(params(raw), 'pk');
      const game: GameSnapshot = { ...gameSnapshot(pk), players: messageExample('games', 'update').payload.data.players };
      await store.snapshots.set(String(pk), game);
      return undefined;
    },
  };
}


// Message providers: for each message interaction (by description), the message the runtime itself
// would send, produced by the runtime's own code path, and the spec message it claims to be
// (`{api, message}` metadata, plus the socket.io `event` name), which the verifier compares with the
// consumer's. Published data comes from the spec's examples, as a back end would publish it.
import type { MessageDescriptor, MessageFromProviderWithMetadata, MessageProviders } from '@pact-foundation/pact';
import pino from 'pino';
import type { MessageEntry } from '../../generated';
import type { GameSnapshot } from '../../generated/games/models';
import { userFromClaims, withPlayer } from '../../src/apis/games/player';
import { ERRORS, reply } from '../../src/apis/games/replies';
import { frameEvent, messageNamed } from '../../src/apis/messenger/framing';
import { Replies, type Emitter } from '../../src/apis/workspace/frames';
import { buildFrame } from '../../src/routing/frame';
import { broadcastFrame } from '../../src/apis/games/socket';
import { describeErrors } from '../../src/validation/describe-errors';
import { call, type TestGateway } from '../../test/helpers/gateway';
import { messageExample } from '../../test/helpers/examples';
import { integer, params, text, type JsonMap } from './params';

type Api = 'events' | 'games' | 'messenger' | 'pizza' | 'workspace';

/** The request a games reply answers (the runtime echoes it). */
const REQUEST_ID = '0b6e4d2c-93a1-4f58-8c7e-1a2f3b4c5d6e';

/** The message, checked like the runtime checks it before sending, with the metadata naming it. */
function sent(api: Api, entry: MessageEntry, message: unknown, extra: Record<string, string> = {}): MessageFromProviderWithMetadata {
  if (!entry.validate(message)) throw new Error(`${api} ${entry.id} breaks the spec: ${describeErrors(entry.validate.errors).join('; ')}`);
  return { __pactMessageMetadata: { api, message: entry.id, ...extra }, message };
}

/** The parameters of the interaction's provider state `name`. */
function stateOf(descriptor: MessageDescriptor, name: string): JsonMap {
  const state = descriptor.providerStates?.find((s) => s.name === name);
  if (!state) throw new Error(`"${descriptor.description}" needs provider state "${name}"`);
  return params(state.params as JsonMap | undefined);
}

export function messageProviders(gw: TestGateway): MessageProviders {
  const { catalogues, store } = gw.gateway.context;
  const games = catalogues.games.messages;
  const messenger = catalogues.messenger;

  /** A games broadcast as GamesSockets.broadcast frames it: consts, the data, `pk` from the audience. */
  const gamesBroadcast = (id: string) => () => {
    const entry = games[id];
    return sent('games', entry, broadcastFrame(entry, messageExample('games', id).payload.data, 1));
  };

  /** A snapshot the gateway keeps for `pk` (provider state "game is waiting for players"). */
  const storedGame = async (descriptor: MessageDescriptor): Promise<GameSnapshot> => {
    const pk = integer(stateOf(descriptor, 'game is waiting for players'), 'pk');
    const game = await store.getSnapshot<GameSnapshot>(String(pk));
    if (!game) throw new Error(`no snapshot of game ${pk}`);
    return game;
  };

  /** A poll answer straight from POST /events/polling of the running gateway. */
  const pollAnswer = async (descriptor: MessageDescriptor, state: string) => {
    const userId = text(stateOf(descriptor, state), 'userId');
    const answer = await call(`${gw.url}/events/polling`, { body: { token: await gw.token(userId) } });
    if (answer.status !== 200) throw new Error(`poll answered ${answer.status}: ${answer.text}`);
    return sent('messenger', messenger.messages['polling-event'], answer.body);
  };

  /** What the workspace runtime emits on a socket, recorded: `[event name, payload]`. */
  const workspaceReply = (emit: (replies: Replies, socket: Emitter) => void, index = 0) => () => {
    const emitted: Array<[string, unknown]> = [];
    emit(new Replies(catalogues.workspace, pino({ level: 'silent' })), { id: 'socket-1', emit: (event, payload) => emitted.push([event, payload]) });
    const [event, payload] = emitted[index] ?? [];
    if (event === undefined) throw new Error(`the workspace runtime emitted ${emitted.length} events`);
    const entry = event.startsWith('socket-api-error-') ? catalogues.workspace.messages['socket-api-error-transaction'] : messageNamed(catalogues.workspace, event);
    return sent('workspace', entry, payload, { event });
  };

  /** A published workspace event: the data is the whole socket.io payload, the name is the event. */
  const workspaceEvent = (id: string) => () => {
    const entry = catalogues.workspace.messages[id];
    return sent('workspace', entry, buildFrame(entry, messageExample('workspace', id)), { event: entry.name });
  };

  return {
    // --- events: a stored event, as the channel's store holds and a poll answers it
    'a stored event of a channel': async (descriptor) => {
      const channel = text(stateOf(descriptor, 'channel has events'), 'channel');
      const [event] = await store.readEvents(channel, 0, 1);
      if (!event) throw new Error(`no event stored on ${channel}`);
      return sent('events', catalogues.events.messages.event, event);
    },

    // --- messenger: webhook bodies are frameEvent's serialized body, byte for byte what is POSTed
    'a new_message webhook body': () => {
      const framed = frameEvent(messenger.messages.new_message, messageExample('messenger', 'new_message').event);
      if (!framed.ok) throw new Error(framed.errors.join('; '));
      return sent('messenger', messenger.messages.new_message, JSON.parse(framed.serialized));
    },
    'a callback_deprecated webhook body': () => {
      const entry = messageNamed(messenger, 'callback_deprecated');
      const framed = frameEvent(entry, messageExample('messenger', 'callback_deprecated').event);
      if (!framed.ok) throw new Error(framed.errors.join('; '));
      return sent('messenger', entry, JSON.parse(framed.serialized));
    },
    'a poll answer carrying new_message': (d) => pollAnswer(d, 'user has a queued new_message'),
    'a poll answer carrying callback_deprecated': (d) => pollAnswer(d, 'user has a queued callback_deprecated'),
    'a poll answer after the timeout': (d) => pollAnswer(d, 'user has nothing queued'),

    // --- pizza: PizzaSockets frames a broadcast with buildFrame alone
    'a CREATE_PIZZA frame': () => {
      const entry = catalogues.pizza.messages.CREATE_PIZZA;
      return sent('pizza', entry, buildFrame(entry, messageExample('pizza', 'CREATE_PIZZA').data));
    },
    'an ACCEPT_PIZZA frame': () => {
      const entry = catalogues.pizza.messages.ACCEPT_PIZZA;
      return sent('pizza', entry, buildFrame(entry, messageExample('pizza', 'ACCEPT_PIZZA').data));
    },

    // --- games: replies with the reply builder, join as GamesSockets.join computes it
    'a subscribe reply': () => sent('games', games.subscribeReply, reply('subscribe', REQUEST_ID, 200, { action: 'join' })),
    'a join reply': async (descriptor) => {
      const { game } = withPlayer(await storedGame(descriptor), userFromClaims({ sub: 'alice', username: 'alice' }), new Date());
      return sent('games', games.joinReply, reply('join', REQUEST_ID, 200, game));
    },
    'a retrieve reply': async (descriptor) => sent('games', games.retrieveReply, reply('retrieve', REQUEST_ID, 200, await storedGame(descriptor))),
    'an error reply for an unknown game': async () => {
      if (await store.getSnapshot('404')) throw new Error('game 404 exists');
      return sent('games', games.errorReply, reply('retrieve', REQUEST_ID, 404, null, [ERRORS.notFound]));
    },
    'a "update" broadcast': gamesBroadcast('update'),
    'a "next_question" broadcast': gamesBroadcast('next_question'),
    'a "answer" broadcast': gamesBroadcast('answer'),
    'a "check" broadcast': gamesBroadcast('check'),
    'a "finish" broadcast': gamesBroadcast('finish'),
    'a "join" broadcast': gamesBroadcast('join'),

    // --- workspace: the socket's own replies through the runtime's Replies, published events framed
    'auth-success': workspaceReply((replies, socket) => replies.authenticated(socket, '4b1e6c7a-2d3f-4a8b-9c5e-1f2a3b4c5d6e', 'auth-1')),
    'socket-api-error for auth': workspaceReply((replies, socket) => replies.error(socket, 'auth', 'Invalid access token', undefined)),
    'socket-api-error-<transaction> for auth': workspaceReply((replies, socket) => replies.error(socket, 'auth', "Can't listen workspace events", 'auth-1'), 1),
    ...Object.fromEntries(
      Object.values(catalogues.workspace.messages)
        .filter((entry) => entry.publish)
        .map((entry) => [`a ${entry.name} event`, workspaceEvent(entry.id)]),
    ),
  };
}

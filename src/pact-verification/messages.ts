// Message producers: for a message interaction, the message the runtime itself would send, produced by
// the runtime's own code path from the spec's example data (as a back end would publish it), with the
// metadata naming the spec message it is (`{api, message}`, plus the socket.io `event`), which the
// verifier compares with the consumer's. A message is chosen by the interaction's metadata, never by
// its description: a consumer describes its interactions in its own words.
import type { ApiCatalogue, MessageEntry } from '../../generated';
import type { GameSnapshot } from '../../generated/games/models';
import { userFromClaims, withPlayer } from '../apis/games/player';
import { ERRORS, reply } from '../apis/games/replies';
import { broadcastFrame } from '../apis/games/socket';
import { frameEvent } from '../apis/messenger/framing';
import { Replies, type Emitter } from '../apis/workspace/frames';
import { buildFrame, getAt } from '../envelopes/frame';
import { describeErrors } from '../validation/describe-errors';
import { integer, params, text, type AnyJson, type JsonMap } from './params';
import type { Provider } from './provider';
import { messageExample } from './specs';

/** What the verifier asks for: the interaction's metadata and provider states. */
export interface MessageRequest {
  description: string;
  metadata: Record<string, unknown>;
  providerStates: Array<{ name: string; params?: AnyJson }>;
}

/** A message as pact-js's message proxy answers it. */
export interface Sent {
  __pactMessageMetadata: Record<string, string>;
  message: unknown;
}

export type MessageProducer = (request: MessageRequest) => Promise<Sent> | Sent;

/** The request a games reply answers (the runtime echoes it). */
const REQUEST_ID = '0b6e4d2c-93a1-4f58-8c7e-1a2f3b4c5d6e';

/** The message, checked as the runtime checks it before sending, with the metadata naming it. */
function sent(api: string, entry: MessageEntry, message: unknown, extra: Record<string, string> = {}): Sent {
  if (!entry.validate(message)) throw new Error(`${api} ${entry.id} breaks the spec: ${describeErrors(entry.validate.errors).join('; ')}`);
  return { __pactMessageMetadata: { api, message: entry.id, ...extra }, message };
}

/** The parameters of the first provider state of the request that has parameter `name`. */
function stateParam(request: MessageRequest, name: string, states: string): JsonMap {
  const state = request.providerStates.find((s) => params(s.params)[name] !== undefined);
  if (!state) throw new Error(`"${request.description}" needs a provider state with parameter "${name}" (${states})`);
  return params(state.params);
}

/**
 * The producer of the spec message an interaction's metadata names, or a reason there is none
 * (printed for the interaction; the spec check says the same in its own words).
 */
export function messageProducers(provider: Provider): (metadata: Record<string, unknown>) => MessageProducer | string {
  const { catalogues, store } = provider.context;
  const { games, messenger, workspace } = catalogues;

  const storedGame = async (request: MessageRequest): Promise<GameSnapshot> => {
    const pk = integer(stateParam(request, 'pk', 'e.g. "game is waiting for players" {pk}'), 'pk');
    const game = await store.snapshots.get(String(pk));
    if (!game) throw new Error(`no snapshot of game ${pk}: use provider state "game is waiting for players" {pk}`);
    return game;
  };

  /** A back-end's 200 answer to a forwarded request (the spec's example data), relayed as the reply. */
  const relayed = (id: string) => (): Sent => {
    const { action, data } = messageExample('games', id).payload;
    return sent('games', (games as ApiCatalogue).messages[id], reply(action, REQUEST_ID, 200, data));
  };

  /** A poll answer straight from POST /events/polling of the running gateway, for the state's user. */
  const pollAnswer = async (request: MessageRequest): Promise<Sent> => {
    const userId = text(stateParam(request, 'userId', 'e.g. "user has a queued new_message" {userId}'), 'userId');
    const res = await fetch(`${provider.url}/events/polling`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: await provider.token(userId) }),
    });
    const body = (await res.json().catch(() => undefined)) as unknown;
    if (res.status !== 200 || !body) throw new Error(`poll answered ${res.status}`);
    return sent('messenger', messenger.messages['polling-event'], body);
  };

  /** A webhook body: frameEvent's serialized body, byte for byte what is POSTed. */
  const webhookBody = (entry: MessageEntry) => (): Sent => {
    const framed = frameEvent(entry, messageExample('messenger', entry.id).event);
    return sent('messenger', entry, JSON.parse(framed.serialized));
  };

  /** What the workspace runtime emits on a socket: the emitted event named `event`. */
  const workspaceReply = (entry: MessageEntry, emit: (replies: Replies, socket: Emitter, event: string) => void) => (request: MessageRequest): Sent => {
    const event = typeof request.metadata.event === 'string' ? request.metadata.event : entry.name;
    const emitted: Array<[string, unknown]> = [];
    emit(new Replies(workspace, provider.context), { id: 'socket-1', emit: (name, payload) => emitted.push([name, payload]) }, event);
    const found = emitted.find(([name]) => name === event);
    if (!found) throw new Error(`the workspace runtime emitted ${emitted.map(([name]) => name).join(', ') || 'nothing'}, not ${event}`);
    return sent('workspace', entry, found[1], { event });
  };
  const TRANSACTION_ERROR = 'socket-api-error-';

  const specific: Record<string, Record<string, MessageProducer>> = {
    events: {
      // A stored event, as the channel's store holds and a poll answers it.
      event: async (request) => {
        const channel = text(stateParam(request, 'channel', '"channel has events" {channel, count, event}'), 'channel');
        const [event] = await store.events.read(channel, 0, 1);
        if (!event) throw new Error(`no event stored on ${channel}`);
        return sent('events', catalogues.events.messages.event, event);
      },
    },
    games: {
      subscribeReply: () => sent('games', games.messages.subscribeReply, reply('subscribe', REQUEST_ID, 200, { action: 'join' })),
      joinReply: async (request) => {
        const { game } = withPlayer(await storedGame(request), userFromClaims({ sub: 'alice', username: 'alice' }), new Date());
        return sent('games', games.messages.joinReply, reply('join', REQUEST_ID, 200, game));
      },
      retrieveReply: async (request) => sent('games', games.messages.retrieveReply, reply('retrieve', REQUEST_ID, 200, await storedGame(request))),
      errorReply: async () => {
        if (await store.snapshots.get('404')) throw new Error('game 404 exists');
        return sent('games', games.messages.errorReply, reply('retrieve', REQUEST_ID, 404, null, [ERRORS.notFound]));
      },
      listReply: async () => {
        const snapshots = (await store.snapshots.list()).map((s) => s.value).sort((a, b) => a.id - b.id);
        return sent('games', games.messages.listReply, reply('list', REQUEST_ID, 200, snapshots));
      },
      // Forwarded requests: the game back-end's answer (the spec's example data) relayed as the reply.
      nextQuestionReply: relayed('nextQuestionReply'),
      checkReply: relayed('checkReply'),
      answerReply: relayed('answerReply'),
    },
    messenger: {
      new_message: webhookBody(messenger.messages.new_message),
      callback_deprecated: webhookBody(messenger.messages.callback_deprecated),
      'polling-event': pollAnswer,
    },
    workspace: {
      'auth-success': workspaceReply(workspace.messages['auth-success'], (replies, socket) =>
        replies.authenticated(socket, { userId: '4b1e6c7a-2d3f-4a8b-9c5e-1f2a3b4c5d6e', reconnected: false, onlineStatus: 'online' }, 'auth-1'),
      ),
      'socket-api-error': workspaceReply(workspace.messages['socket-api-error'], (replies, socket) => replies.error(socket, 'auth', 'Invalid access token', undefined)),
      'socket-api-error-transaction': workspaceReply(workspace.messages['socket-api-error-transaction'], (replies, socket, event) =>
        replies.error(socket, 'auth', "Can't listen workspace events", event.startsWith(TRANSACTION_ERROR) ? event.slice(TRANSACTION_ERROR.length) : 'auth-1'),
      ),
    },
  };

  /**
   * A published message as the API's sockets frame it, from the spec's example data (the example at
   * the message's data pointer): every publishable message of every API has one, so a message added
   * to a spec is covered without code. Games frames carry the game's pk as well (broadcastFrame).
   */
  const published = (api: string, entry: MessageEntry): MessageProducer | undefined => {
    const pointer = entry.publish?.dataPointer;
    if (pointer === undefined || pointer === null) return undefined; // the API frames it itself: a specific producer
    const data = () => (pointer === '' ? messageExample(api, entry.id) : getAt(messageExample(api, entry.id), pointer));
    const extra: Record<string, string> = entry.protocol === 'socket.io' ? { event: entry.name } : {};
    if (api === 'games') return () => sent(api, entry, broadcastFrame(entry, data(), 1));
    return () => sent(api, entry, buildFrame(entry, data()), extra);
  };

  return ({ api, message }) => {
    const catalogue: ApiCatalogue | undefined = typeof api === 'string' && Object.hasOwn(catalogues, api) ? catalogues[api as keyof typeof catalogues] : undefined;
    const entry = catalogue && typeof message === 'string' && Object.hasOwn(catalogue.messages, message) ? catalogue.messages[message] : undefined;
    if (!catalogue || !entry) return `metadata {api: ${JSON.stringify(api)}, message: ${JSON.stringify(message)}} names no message of the specs`;
    if (entry.direction !== 'send') return `${catalogue.api} ${entry.id} is not a message Switchyard sends`;
    const producer = specific[catalogue.api]?.[entry.id] ?? published(catalogue.api, entry);
    return producer ?? `${catalogue.api} ${entry.id} has no message producer`;
  };
}

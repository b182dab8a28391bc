// Client side of the games stream (specs/games.asyncapi.yaml): the request frames a client sends on
// `/?session_key=<JWT>` and the decoder of every frame the server sends, replies and broadcasts.
import type {
  Answer, GameSnapshot, GeneratedQuestion, JoinRequestFrame, Player, RetrieveRequestFrame, SubscribeDataAction, SubscribeRequestFrame,
} from '../../generated/games/models';
import { catalogues } from '../../generated';
import { expectShape, isObject, ProtocolError } from './http';

export type { Answer, GameSnapshot, GeneratedQuestion, Player };
export type GameEvent = SubscribeDataAction;
/** Requests the game back-end answers (forwarded by the gateway). */
export type GameAction = 'next_question' | 'answer' | 'check';

/** Broadcasts whose data is the game snapshot. */
const SNAPSHOT_EVENTS = ['update', 'next_question', 'finish'] as const;

export type GamesMessage =
  | { kind: 'snapshot'; event: (typeof SNAPSHOT_EVENTS)[number]; pk: number; game: GameSnapshot }
  | { kind: 'player-joined'; pk: number; player: Player }
  | { kind: 'answered'; pk: number; answer: Answer }
  | { kind: 'checked'; pk: number; question: GeneratedQuestion }
  | { kind: 'subscribed'; requestId: string | null; event: GameEvent }
  | { kind: 'game'; action: 'join' | 'retrieve' | 'next_question' | 'check'; requestId: string | null; game: GameSnapshot }
  | { kind: 'games'; requestId: string | null; games: GameSnapshot[] }
  | { kind: 'answer-taken'; requestId: string | null; answer: Answer }
  | { kind: 'error'; action: string | null; requestId: string | null; status: number; errors: unknown[] }
  /** A broadcast the generated catalogue lists that this client has no shape for (e.g. one new in the spec). */
  | { kind: 'broadcast'; action: string; pk: number; data: unknown };

/** The action of every broadcast (publishable message), from the generated catalogue. */
const BROADCASTS: ReadonlySet<unknown> = new Set(Object.values(catalogues.games.messages).flatMap((m) => ('publish' in m ? [m.consts['/payload/action']] : [])));

const frame = <P>(payload: P) => ({ stream: 'games' as const, payload });
const withId = (requestId?: string) => (requestId === undefined ? {} : { request_id: requestId });

export const subscribeRequest = (pk: number, event: GameEvent, requestId?: string): SubscribeRequestFrame =>
  frame({ action: 'subscribe', pk, data: { action: event }, ...withId(requestId) });
export const joinRequest = (pk: number, requestId?: string): JoinRequestFrame => frame({ action: 'join', pk, ...withId(requestId) });
export const retrieveRequest = (pk: number, requestId?: string): RetrieveRequestFrame => frame({ action: 'retrieve', pk, ...withId(requestId) });

/** Decodes one server frame (text, or already parsed). */
export function parseGamesFrame(raw: string | unknown): GamesMessage {
  const value: unknown = typeof raw === 'string' ? JSON.parse(raw) : raw;
  const { stream, payload } = expectShape<{ stream: string; payload: Record<string, unknown> }>('games frame', value, { stream: 'string', payload: 'object' });
  if (stream !== 'games') throw new ProtocolError('stream', stream);
  return 'model' in payload ? broadcast(payload) : reply(payload);
}

function broadcast(payload: Record<string, unknown>): GamesMessage {
  const b = expectShape<{ action: string; pk: number; data: unknown }>('broadcast', payload, { action: 'string', pk: 'number', data: 'object' });
  if (b.action === 'join') return { kind: 'player-joined', pk: b.pk, player: expectShape<Player>('player', b.data, { id: 'number', user: 'object' }) };
  if (b.action === 'answer') return { kind: 'answered', pk: b.pk, answer: answer(b.data) };
  if (b.action === 'check') return { kind: 'checked', pk: b.pk, question: expectShape<GeneratedQuestion>('question', b.data, { id: 'number', variants: 'array', players_answers: 'array' }) };
  const event = SNAPSHOT_EVENTS.find((e) => e === b.action);
  if (!event) {
    if (BROADCASTS.has(b.action)) return { kind: 'broadcast', action: b.action, pk: b.pk, data: b.data };
    throw new ProtocolError('broadcast action', b.action);
  }
  return { kind: 'snapshot', event, pk: b.pk, game: snapshot(b.data) };
}

function reply(payload: Record<string, unknown>): GamesMessage {
  const r = expectShape<{ action: string | null; response_status: number; errors: unknown[]; data: unknown; request_id?: string | null }>(
    'reply', payload, { action: 'string|null', response_status: 'number', errors: 'array' },
  );
  const requestId = r.request_id ?? null;
  if (r.response_status !== 200) return { kind: 'error', action: r.action, requestId, status: r.response_status, errors: r.errors };
  switch (r.action) {
    case 'subscribe':
      return { kind: 'subscribed', requestId, event: expectShape<{ action: GameEvent }>('subscribe reply data', r.data, { action: 'string' }).action };
    case 'join':
    case 'retrieve':
    case 'next_question':
    case 'check':
      return { kind: 'game', action: r.action, requestId, game: snapshot(r.data) };
    case 'list':
      if (!Array.isArray(r.data)) throw new ProtocolError('list reply data', r.data);
      return { kind: 'games', requestId, games: r.data.map(snapshot) };
    case 'answer':
      return { kind: 'answer-taken', requestId, answer: answer(r.data) };
    default:
      throw new ProtocolError('reply action', r.action);
  }
}

function snapshot(data: unknown): GameSnapshot {
  const game = expectShape<GameSnapshot>('game snapshot', data, { id: 'number', label: 'string', state: 'string', players: 'array', quiz: 'object' });
  if (!game.players.every(isObject)) throw new ProtocolError('players', game.players);
  return game;
}

function answer(data: unknown): Answer {
  return expectShape<Answer>('answer', data, { answer: 'array', player: 'object', correct: 'boolean' });
}

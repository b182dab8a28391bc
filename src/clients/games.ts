// Client side of the games stream (specs/games.asyncapi.yaml): the request frames a client sends on
// `/?session_key=<JWT>` and the decoder of every frame the server sends, replies and broadcasts.
import type {
  GameSnapshot, JoinRequestFrame, Player, RetrieveRequestFrame, SubscribeDataAction, SubscribeRequestFrame,
} from '../../generated/games/models';
import { expectShape, isObject, ProtocolError } from './http';

export type { GameSnapshot, Player };
export type GameEvent = SubscribeDataAction;

/** Broadcasts whose data is the game snapshot. */
const SNAPSHOT_EVENTS: readonly GameEvent[] = ['update', 'next_question', 'answer', 'check', 'finish'];

export type GamesMessage =
  | { kind: 'snapshot'; event: Exclude<GameEvent, 'join'>; pk: number; game: GameSnapshot }
  | { kind: 'player-joined'; pk: number; player: Player }
  | { kind: 'subscribed'; requestId: string | null; event: GameEvent }
  | { kind: 'game'; action: 'join' | 'retrieve'; requestId: string | null; game: GameSnapshot }
  | { kind: 'error'; action: string | null; requestId: string | null; status: number; errors: string[] };

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
  const event = SNAPSHOT_EVENTS.find((e) => e === b.action);
  if (!event || event === 'join') throw new ProtocolError('broadcast action', b.action);
  return { kind: 'snapshot', event, pk: b.pk, game: snapshot(b.data) };
}

function reply(payload: Record<string, unknown>): GamesMessage {
  const r = expectShape<{ action: string | null; response_status: number; errors: string[]; data: unknown; request_id?: string | null }>(
    'reply', payload, { action: 'string|null', response_status: 'number', errors: 'array' },
  );
  const requestId = r.request_id ?? null;
  if (r.response_status !== 200) return { kind: 'error', action: r.action, requestId, status: r.response_status, errors: r.errors };
  if (r.action === 'subscribe') {
    const data = expectShape<{ action: GameEvent }>('subscribe reply data', r.data, { action: 'string' });
    return { kind: 'subscribed', requestId, event: data.action };
  }
  if (r.action === 'join' || r.action === 'retrieve') return { kind: 'game', action: r.action, requestId, game: snapshot(r.data) };
  throw new ProtocolError('reply action', r.action);
}

function snapshot(data: unknown): GameSnapshot {
  const game = expectShape<GameSnapshot>('game snapshot', data, { id: 'number', state: 'string', players: 'array', quiz: 'object' });
  if (!game.players.every(isObject)) throw new ProtocolError('players', game.players);
  return game;
}

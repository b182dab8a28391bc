// games-client: a quiz app on the multiplexed games socket, decoding every frame it can be sent with
// src/clients/games.ts (replies to its subscribe/join/retrieve requests, and broadcasts).
import { MatchersV3 as M } from '@pact-foundation/pact';
import { parseGamesFrame } from '../../src/clients/games';
import { CONSUMERS, consumerPact, specMessage } from '../pact';
import { gameSnapshot, player, type GamePhase } from './shapes';

const pact = consumerPact(CONSUMERS.games);
const GAME = { pk: 1 };
const waiting = ['game is waiting for players', GAME] as const;
const requestId = M.string('0b6e4d2c-93a1-4f58-8c7e-1a2f3b4c5d6e');
const reply = (action: string, data: unknown) => ({ stream: 'games', payload: { errors: [], data, action, response_status: 200, request_id: requestId } });

const decode = (content: unknown) => parseGamesFrame(JSON.stringify(content));

describe('replies', () => {
  it('subscribe: confirms the event followed', () =>
    pact
      .addAsynchronousInteraction()
      .expectsToReceive('a subscribe reply', (b) => b.withJSONContent(reply('subscribe', { action: 'join' })).withMetadata(specMessage('games', 'subscribeReply')))
      .executeTest(async (m) => {
        expect(decode(m.contents.content)).toEqual({ kind: 'subscribed', requestId: '0b6e4d2c-93a1-4f58-8c7e-1a2f3b4c5d6e', event: 'join' });
      }));

  it('join: the game snapshot with the new player', () =>
    pact
      .addAsynchronousInteraction()
      .given(...waiting)
      .expectsToReceive('a join reply', (b) => b.withJSONContent(reply('join', gameSnapshot('waiting'))).withMetadata(specMessage('games', 'joinReply')))
      .executeTest(async (m) => {
        const message = decode(m.contents.content);
        expect(message).toMatchObject({ kind: 'game', action: 'join', game: { id: 1, state: 'players_waiting' } });
      }));

  it('retrieve: the game snapshot', () =>
    pact
      .addAsynchronousInteraction()
      .given(...waiting)
      .expectsToReceive('a retrieve reply', (b) => b.withJSONContent(reply('retrieve', gameSnapshot('waiting'))).withMetadata(specMessage('games', 'retrieveReply')))
      .executeTest(async (m) => {
        expect(decode(m.contents.content)).toMatchObject({ kind: 'game', action: 'retrieve', game: { id: 1 } });
      }));

  it('error: status and errors of a failed request', () =>
    pact
      .addAsynchronousInteraction()
      .expectsToReceive('an error reply for an unknown game', (b) =>
        b
          .withJSONContent({
            stream: 'games',
            payload: { errors: M.eachLike(M.string('Not found.')), data: null, action: M.string('retrieve'), response_status: 404, request_id: requestId },
          })
          .withMetadata(specMessage('games', 'errorReply')),
      )
      .executeTest(async (m) => {
        expect(decode(m.contents.content)).toMatchObject({ kind: 'error', status: 404, errors: ['Not found.'] });
      }));
});

describe('broadcasts', () => {
  const snapshotBroadcast = (action: string, phase: GamePhase) => ({
    stream: 'games',
    payload: { action, pk: M.integer(1), model: 'api.game', data: gameSnapshot(phase) },
  });

  it.each([
    ['update', 'waiting'],
    ['next_question', 'asking'],
    ['answer', 'asking'],
    ['check', 'checking'],
    ['finish', 'finished'],
  ] as const)('%s: the game snapshot (%s)', (action, phase) =>
    pact
      .addAsynchronousInteraction()
      .expectsToReceive(`a "${action}" broadcast`, (b) => b.withJSONContent(snapshotBroadcast(action, phase)).withMetadata(specMessage('games', action)))
      .executeTest(async (m) => {
        expect(decode(m.contents.content)).toMatchObject({ kind: 'snapshot', event: action, pk: 1, game: { id: 1 } });
      }),
  );

  it('join: the player who joined', () =>
    pact
      .addAsynchronousInteraction()
      .expectsToReceive('a "join" broadcast', (b) =>
        b.withJSONContent({ stream: 'games', payload: { action: 'join', pk: M.integer(1), model: 'Player', data: player(false) } }).withMetadata(specMessage('games', 'join')),
      )
      .executeTest(async (m) => {
        expect(decode(m.contents.content)).toMatchObject({ kind: 'player-joined', pk: 1, player: { id: 1, user: { username: 'string' } } });
      }));
});

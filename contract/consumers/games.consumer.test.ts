// games-client: a quiz app on the multiplexed games socket, decoding every frame it can be sent with
// contract/clients/games.ts (replies to its requests, those the game back-end answers included, and broadcasts).
import { MatchersV3 as M } from '@pact-foundation/pact';
import { parseGamesFrame } from '../clients/games';
import { CONSUMERS, consumerPact, specMessage } from '../pact';
import { coverPublished } from '../published';
import { answer, gameSnapshot, generatedQuestion, player, type GamePhase } from './shapes';

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

  it('list: every game', () =>
    pact
      .addAsynchronousInteraction()
      .given(...waiting)
      .expectsToReceive('a list reply', (b) => b.withJSONContent(reply('list', M.eachLike(gameSnapshot('waiting')))).withMetadata(specMessage('games', 'listReply')))
      .executeTest(async (m) => {
        expect(decode(m.contents.content)).toMatchObject({ kind: 'games', games: [{ id: 1 }] });
      }));

  it.each([
    ['next_question', 'asking', 'nextQuestionReply'],
    ['check', 'checking', 'checkReply'],
  ] as const)('%s (relayed from the game back-end): the game snapshot (%s)', (action, phase, id) =>
    pact
      .addAsynchronousInteraction()
      .expectsToReceive(`a ${action} reply`, (b) => b.withJSONContent(reply(action, gameSnapshot(phase))).withMetadata(specMessage('games', id)))
      .executeTest(async (m) => {
        expect(decode(m.contents.content)).toMatchObject({ kind: 'game', action, game: { id: 1, state: phase === 'asking' ? 'answering' : 'check' } });
      }),
  );

  it('answer (relayed from the game back-end): the Answer', () =>
    pact
      .addAsynchronousInteraction()
      .expectsToReceive('an answer reply', (b) => b.withJSONContent(reply('answer', answer())).withMetadata(specMessage('games', 'answerReply')))
      .executeTest(async (m) => {
        expect(decode(m.contents.content)).toMatchObject({ kind: 'answer-taken', answer: { correct: true, player: { user: { username: 'string' } } } });
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
  const snapshotBroadcast = (action: string, model: string, phase: GamePhase) => ({
    stream: 'games',
    payload: { action, pk: M.integer(1), model, data: gameSnapshot(phase) },
  });

  it.each([
    ['update', 'api.game', 'waiting'],
    ['next_question', 'Game', 'asking'],
    ['finish', 'Game', 'finished'],
  ] as const)('%s: the game snapshot, model %s (%s)', (action, model, phase) =>
    pact
      .addAsynchronousInteraction()
      .expectsToReceive(`a "${action}" broadcast`, (b) => b.withJSONContent(snapshotBroadcast(action, model, phase)).withMetadata(specMessage('games', action)))
      .executeTest(async (m) => {
        expect(decode(m.contents.content)).toMatchObject({ kind: 'snapshot', event: action, pk: 1, game: { id: 1 } });
      }),
  );

  it('answer: the player\'s Answer, model Answer', () =>
    pact
      .addAsynchronousInteraction()
      .expectsToReceive('a "answer" broadcast', (b) =>
        b.withJSONContent({ stream: 'games', payload: { action: 'answer', pk: M.integer(1), model: 'Answer', data: answer() } }).withMetadata(specMessage('games', 'answer')),
      )
      .executeTest(async (m) => {
        expect(decode(m.contents.content)).toMatchObject({ kind: 'answered', pk: 1, answer: { correct: true, answer: [{ variant: 'Paris' }] } });
      }));

  it('check: the GeneratedQuestion with every answer, model GeneratedQuestion', () =>
    pact
      .addAsynchronousInteraction()
      .expectsToReceive('a "check" broadcast', (b) =>
        b
          .withJSONContent({ stream: 'games', payload: { action: 'check', pk: M.integer(1), model: 'GeneratedQuestion', data: generatedQuestion(true) } })
          .withMetadata(specMessage('games', 'check')),
      )
      .executeTest(async (m) => {
        expect(decode(m.contents.content)).toMatchObject({ kind: 'checked', pk: 1, question: { players_answers: [{ correct: true }] } });
      }));

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

describe('broadcasts new in the spec', () => {
  coverPublished(pact, 'games', (content) => expect(decode(content)).toMatchObject({ pk: expect.any(Number) }));
});

// Reply frames of the games stream (src/apis/games/replies.ts), checked against the generated
// validators a client's frames are held to.
import { catalogue } from '../generated/games/catalogue';
import { ERRORS, GamesError, reply, STREAM } from '../src/apis/games/replies';
import { gameSnapshot } from './helpers/examples';

const m = catalogue.messages;

describe('reply', () => {
  it('builds the channels-api frame `{stream: "games", payload: {errors, data, action, response_status, request_id}}`', () => {
    expect(reply('subscribe', 'r-1', 200, { action: 'update' })).toEqual({
      stream: 'games',
      payload: { errors: [], data: { action: 'update' }, action: 'subscribe', response_status: 200, request_id: 'r-1' },
    });
    expect(STREAM).toBe('games');
  });

  it('makes success replies the spec accepts', () => {
    expect(m.subscribeReply.validate(reply('subscribe', 'r-1', 200, { action: 'update' }))).toBe(true);
    expect(m.retrieveReply.validate(reply('retrieve', null, 200, gameSnapshot(3)))).toBe(true);
    expect(m.listReply.validate(reply('list', 'r-2', 200, [gameSnapshot(3), gameSnapshot(4)]))).toBe(true);
  });

  it('makes an error reply the spec accepts for every fixed message, with or without an action or request id', () => {
    for (const message of Object.values(ERRORS)) {
      expect(m.errorReply.validate(reply('join', 'r-3', 400, null, [message]))).toBe(true);
      expect(m.errorReply.validate(reply(null, null, 400, null, [message]))).toBe(true);
    }
  });

  it('carries a back-end\'s field errors as they came', () => {
    const frame = reply('answer', 'r-4', 400, null, [{ question: ['Be late.'] }]);
    expect(frame.payload.errors).toEqual([{ question: ['Be late.'] }]);
    expect(m.errorReply.validate(frame)).toBe(true);
  });

  it('is not a success reply when it carries the wrong action or status (the spec\'s consts)', () => {
    expect(m.subscribeReply.validate(reply('join', 'r-1', 200, { action: 'update' }))).toBe(false);
    expect(m.subscribeReply.validate(reply('subscribe', 'r-1', 404, { action: 'update' }))).toBe(false);
  });

  it('gives each reply its own errors array', () => {
    const a = reply('list', null, 200, []);
    a.payload.errors.push('x');
    expect(reply('list', null, 200, []).payload.errors).toEqual([]);
  });
});

describe('GamesError', () => {
  it('is an Error with its status, message and bad-input kind', () => {
    const e = new GamesError(400, ERRORS.invalidAction, 'invalid_action');
    expect(e).toBeInstanceOf(Error);
    expect({ status: e.status, message: e.message, badInput: e.badInput }).toEqual({ status: 400, message: 'Invalid Action', badInput: 'invalid_action' });
    expect(new GamesError(503, ERRORS.unavailable).badInput).toBeUndefined();
  });
});

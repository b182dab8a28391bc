// A games Player from a token's claims (src/apis/games/player.ts): the snapshot it makes must still be
// a valid GAME_SNAPSHOT, checked with the generated join-reply validator.
import { catalogue } from '../generated/games/catalogue';
import type { GameSnapshot, User } from '../generated/games/models';
import { findPlayer, userFromClaims, withPlayer } from '../src/apis/games/player';
import { gameSnapshot } from './helpers/examples';

const validJoinReply = (game: GameSnapshot) =>
  catalogue.messages.joinReply.validate({ stream: 'games', payload: { errors: [], data: game, action: 'join', response_status: 200, request_id: null } });

const full = {
  sub: 'u-1',
  username: 'alice',
  email: 'a@example.com',
  phone: '+100',
  last_name: 'Liddell',
  first_name: 'Alice',
  patronymic: 'P',
  gender: 'F',
  birth_date: '1990-04-01',
  rating: 42,
};

describe('userFromClaims', () => {
  it('takes the profile from the claims', () => {
    expect(userFromClaims(full)).toEqual({
      username: 'alice', email: 'a@example.com', phone: '+100', last_name: 'Liddell', first_name: 'Alice',
      patronymic: 'P', gender: 'F', birth_date: '1990-04-01', rating: 42,
    });
  });

  it('fills what a bare token lacks: username from sub, empty strings, no birth date, rating 0', () => {
    expect(userFromClaims({ sub: 'bob' })).toEqual({
      username: 'bob', email: '', phone: '', last_name: '', first_name: '', patronymic: '', gender: '', birth_date: null, rating: 0,
    });
    expect(userFromClaims({ sub: 'bob', username: '' }).username).toBe('bob');
  });

  it('drops claims of the wrong type or shape instead of passing them into a snapshot', () => {
    // Verified tokens hold only `sub`, `username` and a few others to a type (normaliseClaims); the
    // profile claims are whatever the issuer put there.
    const user = userFromClaims({
      sub: 'carol', email: ['x'], gender: 'X', birth_date: '01.04.1990', rating: '5', first_name: { a: 1 },
    });
    expect(user).toMatchObject({ username: 'carol', email: '', gender: '', birth_date: null, rating: 0, first_name: '' });
    expect(userFromClaims({ sub: 'd', birth_date: '1990-04-01T00:00:00Z' }).birth_date).toBeNull();
    expect(userFromClaims({ sub: 'd', gender: 'M' }).gender).toBe('M');
  });
});

describe('withPlayer and findPlayer', () => {
  const now = new Date('2026-01-02T03:04:05.000Z');

  it('adds the user as player 1 of an empty game, stamps the game, and leaves the input unchanged', () => {
    const game: GameSnapshot = gameSnapshot(5);
    const before = structuredClone(game);
    const user = userFromClaims(full);
    const { game: joined, player } = withPlayer(game, user, now);
    expect(player).toEqual({ id: 1, user, rating: 0, created_at: now.toISOString(), finished_at: null });
    expect(joined.players).toEqual([player]);
    expect(joined.updated_at).toBe(now.toISOString());
    expect(game).toEqual(before);
    expect(validJoinReply(joined)).toBe(true);
  });

  it('numbers the next player after the highest id, not after the count', () => {
    let game: GameSnapshot = gameSnapshot(5);
    game = withPlayer(game, userFromClaims({ sub: 'a' }), now).game;
    game = { ...game, players: game.players.map((p) => ({ ...p, id: 9 })) };
    const { player } = withPlayer(game, userFromClaims({ sub: 'b' }), now);
    expect(player.id).toBe(10);
  });

  it('finds a player by username only', () => {
    const alice = userFromClaims(full);
    const { game } = withPlayer(gameSnapshot(5), alice, now);
    expect(findPlayer(game, { ...alice, email: 'other@example.com' })?.id).toBe(1);
    expect(findPlayer(game, userFromClaims({ sub: 'u-1' }))).toBeUndefined();
    expect(findPlayer(gameSnapshot(6), alice)).toBeUndefined();
  });

  it('makes a player whose claims were of the wrong type still a valid snapshot', () => {
    const odd: User = userFromClaims({ sub: 'x', gender: 'other', birth_date: 'yesterday', rating: 'high' });
    expect(validJoinReply(withPlayer(gameSnapshot(5), odd, now).game)).toBe(true);
  });
});

// A Player for a token's user: the gateway has no user database, so the profile comes from the
// token's claims (games.asyncapi.yaml x-compat), and joining twice finds the existing player.
import type { GameSnapshot, Player, User } from '../../../generated/games/models';
import type { Claims } from '../../auth/authenticator';

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

export function userFromClaims(claims: Claims): User {
  return {
    username: text(claims.username) || claims.sub,
    email: text(claims.email),
    phone: text(claims.phone),
    last_name: text(claims.last_name),
    first_name: text(claims.first_name),
    patronymic: text(claims.patronymic),
    gender: claims.gender === 'M' || claims.gender === 'F' ? claims.gender : '',
    birth_date: typeof claims.birth_date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(claims.birth_date) ? claims.birth_date : null,
    rating: typeof claims.rating === 'number' ? claims.rating : 0,
  };
}

export function findPlayer(game: GameSnapshot, user: User): Player | undefined {
  return game.players.find((p) => p.user.username === user.username);
}

/** The game with the user added as its next player (ids continue from the highest). */
export function withPlayer(game: GameSnapshot, user: User, now: Date): { game: GameSnapshot; player: Player } {
  const id = game.players.reduce((max, p) => Math.max(max, p.id), 0) + 1;
  const player: Player = { id, user, rating: 0, created_at: now.toISOString(), finished_at: null };
  return { game: { ...game, players: [...game.players, player], updated_at: now.toISOString() }, player };
}

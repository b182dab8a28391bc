// Matcher templates of the shapes the documented clients rely on. Types and regexes, never literal
// copies: a provider value of the same type passes, so a contract states what a client reads, not
// which example the provider happened to send. Literals appear only where a client dispatches on the
// value (`stream`, `action`, `type`, `event_name`, `code`).
import { MatchersV3 as M } from '@pact-foundation/pact';

/** RFC 3339 timestamps as the gateway and the game service write them (any fraction, Z or offset). */
export const ISO_DATETIME = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$';
export const datetime = (example: string) => M.regex(ISO_DATETIME, example);
/** `[D ]HH:MM:SS[.ffffff]`, the game timers (games.asyncapi.yaml `Duration`). */
export const duration = (example: string) => M.regex('^(-?\\d+ )?\\d{2}:\\d{2}:\\d{2}(\\.\\d{6})?$', example);
export const httpUrl = (example: string) => M.regex('^https?://\\S+$', example);

// --- events ---------------------------------------------------------------------------------------

export const storedEvent = (example: { id: number; type: string; from: string; data: Record<string, unknown> | unknown[] }) => ({
  id: M.integer(example.id),
  timestamp: M.integer(1429084002258),
  type: M.string(example.type),
  from: M.string(example.from),
  data: M.like(example.data),
});

/** `{error}`: the events and publish APIs' error body; clients show the text, never parse it. */
export const errorBody = (example: string) => ({ error: M.string(example) });

/** The events API's (the original's restify) error body: `code` is what a client dispatches on. */
export const restError = (code: string, message: string) => ({ code, message: M.string(message) });

// --- messenger ------------------------------------------------------------------------------------

export const newMessage = (toId: number) => ({
  message_id: M.integer(12),
  to_id: M.integer(toId),
  from_id: M.integer(2),
  created_at: M.integer(1581110027),
  text: M.string('this is a new message!'),
});

export const callbackDeprecated = () => ({
  old_callback: httpUrl('https://203.0.113.10:8443/'),
  new_callback: httpUrl('https://198.51.100.7:8443/events'),
});

export const codeError = (code: -1 | -3, response: string) => ({ code, response: M.string(response) });

// --- pizza ----------------------------------------------------------------------------------------

export const pizza = () => ({
  uuid: M.uuid('9b2f4a40-5c1e-4f7a-9a55-2a0c1c3f2b11'),
  name: M.string('Margherita'),
  store_id: M.integer(1),
  user_uuid: M.uuid('3fa85f64-5717-4562-b3fc-2c963f66afa6'),
  size: M.integer(30),
  accepted: M.boolean(false),
  price: M.number(9.5),
  description: M.string('Tomato, mozzarella, basil'),
  img_url: M.string('https://example.com/pizza/margherita.png'),
  created_date: datetime('2020-05-01T12:00:00Z'),
  time_prepared: datetime('2020-05-01T12:20:00Z'),
});

// --- games ----------------------------------------------------------------------------------------

/** The profile fields the game screens show (nullable `birth_date` is left out: Pact has no "or null"). */
export const gamesUser = (username: string) => ({
  username: M.string(username),
  first_name: M.string(''),
  last_name: M.string(''),
  gender: M.regex('^(M|F|)$', ''),
  rating: M.number(0),
});

export const player = (finished: boolean) => ({
  id: M.integer(1),
  user: M.like(gamesUser('string')),
  rating: M.number(0),
  created_at: datetime('2018-10-16T20:18:34.007352Z'),
  finished_at: finished ? datetime('2018-10-16T20:22:41.830067Z') : M.nullValue(),
});

const question = () => ({
  id: M.integer(1),
  number: M.integer(1),
  type: M.regex('^(single|multi|sequence)$', 'single'),
  question: M.string('What is the capital of France?'),
  variants: M.eachLike({ id: M.integer(2), variant: M.string('Paris') }),
  answer: M.eachLike(M.integer(2)),
  points: M.integer(10),
});

const variant = () => ({ id: M.integer(2), variant: M.string('Paris') });

/** A player's Answer: the front-end reads `player.user.username/.last_name`, `correct`, `answer[0].variant`. */
export const answer = (finished = false) => ({
  answer: M.eachLike(variant()),
  player: M.like(player(finished)),
  correct: M.boolean(true),
  points: M.integer(10),
});

/** A GeneratedQuestion; `answered`: with at least one player's answer (of a finished game: `finished`). */
export const generatedQuestion = (answered: boolean, finished = false) => ({
  id: M.integer(11),
  question: M.string('What is the capital of France?'),
  number: M.integer(1),
  type: M.regex('^(single|multi|sequence)$', 'single'),
  variants: M.eachLike(variant()),
  answer: M.eachLike(M.integer(2)),
  ...(answered ? { players_answers: M.eachLike(answer(finished)) } : {}),
  points: M.integer(10),
});

/**
 * Where a game is: what differs between the snapshots a client is sent. `asking`: a question runs
 * with its timer; `checking`: the answer is shown; `finished`: every player is done.
 */
export type GamePhase = 'waiting' | 'asking' | 'checking' | 'finished';

const STATE: Record<GamePhase, string> = { waiting: 'players_waiting', asking: 'answering', checking: 'check', finished: 'finish' };

export function gameSnapshot(phase: GamePhase) {
  const running = phase === 'asking' || phase === 'checking';
  return {
    id: M.integer(1),
    label: M.string('Friday quiz'),
    quiz: {
      id: M.integer(1),
      title: M.string('European capitals'),
      tags: M.eachLike(M.string('geography')),
      questions: M.eachLike(question()),
    },
    user: M.like(gamesUser('teacher')),
    players: M.eachLike(player(phase === 'finished')),
    online: M.boolean(true),
    state: STATE[phase],
    group: M.nullValue(),
    current_question: running ? generatedQuestion(false) : M.nullValue(),
    // The score screen reads generated_questions[].id/.points/.players_answers[].correct.
    ...(phase === 'waiting' ? {} : { generated_questions: M.eachLike(generatedQuestion(phase !== 'asking', phase === 'finished')) }),
    ...(phase === 'asking' ? { timer: duration('00:00:30') } : {}),
    timer_on: M.boolean(true),
    created_at: datetime('2018-10-16T20:15:02.118455Z'),
    updated_at: datetime('2018-10-16T20:18:34.012871Z'),
    state_changed_at: datetime('2018-10-16T20:15:02.118455Z'),
    finished_at: phase === 'finished' ? datetime('2018-10-16T20:22:41.830067Z') : M.nullValue(),
  };
}

// --- workspace ------------------------------------------------------------------------------------
// Ids other than `User.id` are opaque strings in the spec: a client must not rely on their format.

export const workspaceUser = () => ({
  id: M.uuid('9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d'),
  name: M.string('Maria Ivanova'),
  email: M.string('maria@example.com'),
  isEmailVerified: M.boolean(true),
  createdAt: datetime('2021-03-01T09:15:00Z'),
  updatedAt: datetime('2021-03-01T09:15:00Z'),
});

export const mediaState = () => ({
  microphone: M.boolean(true),
  speakers: M.boolean(true),
  screen: M.boolean(false),
  camera: M.boolean(false),
  speaking: M.boolean(false),
});

export const onlineStatus = (example: string) => M.regex('^(online|idle|offline)$', example);

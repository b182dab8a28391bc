// Reply frames of the games stream (channels-api shape): `{errors, data, action, response_status,
// request_id}` inside `{stream: "games", payload}`.
import type { Actions } from '../../../generated/games/catalogue';
import type { ErrorReply } from '../../../generated/games/models';
import { KEYS_UNAVAILABLE_MESSAGE } from '../../http/bearer';

export const STREAM = 'games';

export const ERRORS = {
  invalidAction: 'Invalid Action',
  permissionDenied: 'Permission Denied',
  notFound: 'Not found.',
  actionRequired: 'action required',
  /** The session key cannot be checked right now (response_status 503). */
  authUnavailable: KEYS_UNAVAILABLE_MESSAGE,
  tooManyRequests: 'Too many requests',
  tooManySubscriptions: 'Too many subscriptions',
  /** 503: the store or bus is down (an outage, not the request's fault). */
  unavailable: 'Service unavailable: try again later',
  /** 400: the request failed on the gateway's side (an unexpected error, a reply that breaks the spec). */
  requestFailed: 'Request failed',
} as const;

/** A message, or (from a game back-end) field errors such as `{"question": ["Be late."]}`. */
export type ReplyError = ErrorReply['errors'][number];

/** The payload of a reply frame: the success reply of an action, or the error reply (both from the spec). */
export type ReplyPayload = Actions[keyof Actions]['reply']['payload'] | ErrorReply;

export function reply(action: string | null, requestId: string | null, status: number, data: unknown, errors: ReplyError[] = []) {
  const payload: ReplyPayload = { errors, data, action, response_status: status, request_id: requestId };
  return { stream: STREAM, payload };
}

export class GamesError extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 429 | 502 | 503,
    message: string,
    /** Set when the frame itself was bad: the `kind` counted in `bad_input_total`. */
    readonly badInput?: string,
  ) {
    super(message);
  }
}

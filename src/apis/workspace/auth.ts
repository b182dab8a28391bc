// The `auth` event: payload validation, token verification, workspace membership (ORIGINALS.md).
import type { Auth, OnlineStatus } from '../../../generated/workspace/models';
import type { ValidateFunction } from 'ajv';
import type { Authenticator } from '../../auth/authenticator';
import { isKeysUnavailable, KEYS_UNAVAILABLE_MESSAGE, verifyOrUndefined } from '../../http/bearer';
import { roomsOf } from './rooms';

export type { OnlineStatus } from '../../../generated/workspace/models';

export const AUTH_EVENT = 'auth';

/** Error messages of the original, and ours for the cases it did not name. */
export const ERRORS = {
  invalidData: 'Invalid data format for "auth" event',
  invalidToken: 'Invalid access token',
  /** The token cannot be checked right now (signing keys unavailable); the client may retry. */
  authUnavailable: KEYS_UNAVAILABLE_MESSAGE,
  notMember: "Can't listen workspace events",
  unauthorized: 'Unauthorized: send "auth" first',
  invalidEventData: (event: string) => `Invalid data format for "${event}" event`,
  noChannel: 'Select a channel first',
  unknownEvent: (event: string) => `Unknown event "${event}"`,
  authTimeout: 'Authentication timeout: send "auth" sooner after connecting',
  tooManyEvents: (rate: number, burst: number) => `Too many events: at most ${rate} per second (bursts of ${burst})`,
  internal: 'Internal server error',
} as const;

/** Who a socket is after a successful `auth`. */
export interface Identity {
  userId: string;
  workspaceId: string;
  onlineStatus: OnlineStatus;
}

/**
 * `rooms`: workspace, user and claimed channel rooms, to join (the socket keeps them, not the
 * identity). `prevSocketId`: the socket this one replaces after a reconnect, as the client says.
 */
export type AuthOutcome =
  | { ok: true; identity: Identity; rooms: string[]; prevSocketId: string | undefined }
  | { ok: false; message: string };

/** The `auth` payload (the generated validator has checked it); `localTimeZone` is accepted, unused. */
/** Checks an `auth` payload with the generated validator, then the token, then membership. */
export async function authenticate(validate: ValidateFunction<Auth>, auth: Authenticator, data: unknown): Promise<AuthOutcome> {
  if (!validate(data)) return { ok: false, message: ERRORS.invalidData };
  const { token, workspaceId, onlineStatus, prevSocketId } = data;
  let claims;
  try {
    claims = await verifyOrUndefined(auth, token);
  } catch (err) {
    if (isKeysUnavailable(err)) return { ok: false, message: ERRORS.authUnavailable };
    throw err;
  }
  if (!claims) return { ok: false, message: ERRORS.invalidToken };
  if (!(claims.workspaces ?? []).includes(workspaceId)) return { ok: false, message: ERRORS.notMember };
  return {
    ok: true,
    identity: { userId: claims.sub, workspaceId, onlineStatus: onlineStatus ?? 'online' },
    rooms: roomsOf(claims, workspaceId),
    prevSocketId: prevSocketId || undefined,
  };
}

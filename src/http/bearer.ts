// Verifying a client's token at an entry point. A missing or invalid token is the client's fault
// (each API answers it as 401 in its shape); signing keys that cannot be fetched (JWKS down) are not,
// and every entry point answers them as "unavailable, retry" (503 in its shape) instead.
import type { ParameterizedContext } from 'koa';
import { AuthError, type Authenticator, type Claims } from '../auth/authenticator';
import { HttpError } from './errors';

/** Seconds a client is asked to wait (Retry-After) while the signing keys cannot be fetched. */
export const KEYS_RETRY_AFTER_SECONDS = 5;
export const KEYS_UNAVAILABLE_MESSAGE = 'Token signing keys are unavailable; retry later';

export function isKeysUnavailable(err: unknown): boolean {
  return err instanceof AuthError && err.reason === 'keys_unavailable';
}

/**
 * The token's claims; undefined when it is missing or invalid. Rejects with the AuthError while the
 * keys are unavailable (isKeysUnavailable), so that the caller can answer 503 rather than 401.
 */
export async function verifyOrUndefined(auth: Authenticator, token: unknown): Promise<Claims | undefined> {
  if (typeof token !== 'string' || token === '') return undefined;
  try {
    return await auth.verify(token);
  } catch (err) {
    if (err instanceof AuthError && !isKeysUnavailable(err)) return undefined;
    throw err;
  }
}

/** The realm of every bearer challenge: one gateway, one set of tokens. */
export const BEARER_REALM = 'switchyard';

/**
 * A 401 for a request without a usable bearer token, with the challenge HTTP asks of every 401
 * (RFC 9110 11.6.1; RFC 6750 3): `error="invalid_token"` when a token was sent and refused, so a
 * client can tell "log in" from "your token is bad". Rendered in the API's own error shape.
 */
export function bearerRequired(k: ParameterizedContext, message: string): HttpError {
  const sent = bearerToken(k.get('authorization')) !== undefined;
  k.set('WWW-Authenticate', `Bearer realm="${BEARER_REALM}"${sent ? ', error="invalid_token"' : ''}`);
  return new HttpError(401, message);
}

/** A 403 for a valid token without `scope`, with the challenge that names it (RFC 6750 3.1). */
export function scopeRequired(k: ParameterizedContext, scope: string, message: string): HttpError {
  k.set('WWW-Authenticate', `Bearer realm="${BEARER_REALM}", error="insufficient_scope", scope="${scope}"`);
  return new HttpError(403, message);
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
}

/**
 * The claims of the request's `Authorization: Bearer` token, undefined when missing or invalid.
 * While the keys are unavailable: throws a 503 HttpError (rendered in the API's error shape) and
 * sets Retry-After.
 */
export async function bearerClaims(k: ParameterizedContext, auth: Authenticator): Promise<Claims | undefined> {
  const token = bearerToken(k.get('authorization'));
  if (!token) return undefined;
  try {
    return await verifyOrUndefined(auth, token);
  } catch (err) {
    if (!isKeysUnavailable(err)) throw err;
    k.set('Retry-After', String(KEYS_RETRY_AFTER_SECONDS));
    throw new HttpError(503, KEYS_UNAVAILABLE_MESSAGE);
  }
}

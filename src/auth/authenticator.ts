// The auth port: turns a bearer token into verified identity claims. Two implementations live side by
// side: a shared HS256 secret (secret-authenticator.ts) and a remote JWKS (jwks-authenticator.ts);
// create-authenticator.ts picks one from the config.
import { errors, type JWTPayload } from 'jose';

export interface Claims {
  sub: string;
  username?: string;
  store_id?: string | number;
  uuid?: string;
  /** Always an array after verify, whether the token carried an array or a comma string. */
  workspaces?: string[];
  channels?: string[];
  /** Space-separated scopes (an array claim is joined on verify). */
  scope?: string;
  [k: string]: unknown;
}

export interface Authenticator {
  /** Resolves with the token's claims, or rejects with AuthError. */
  verify(token: string): Promise<Claims>;
}

export type AuthFailure =
  | 'malformed'
  | 'signature'
  | 'algorithm'
  | 'expired'
  | 'not_yet_valid'
  | 'claims'
  /** The JWKS could not be fetched: not the client's fault, but still no identity. */
  | 'keys_unavailable';

export class AuthError extends Error {
  readonly reason: AuthFailure;

  constructor(reason: AuthFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuthError';
    this.reason = reason;
  }
}

/** Maps whatever jose (or the network) threw into an AuthError, so callers need one catch. */
export function toAuthError(err: unknown): AuthError {
  if (err instanceof AuthError) return err;
  const cause = { cause: err };
  if (err instanceof errors.JWTExpired) return new AuthError('expired', 'token expired', cause);
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf' && err.reason === 'check_failed') return new AuthError('not_yet_valid', 'token not yet valid', cause);
    // A missing or unexpected `iss` or `aud` (AUTH_ISSUER, AUTH_AUDIENCE) is a claims failure too.
    return new AuthError('claims', `invalid "${err.claim}" claim`, cause);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return new AuthError('signature', 'invalid signature', cause);
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) {
    return new AuthError('algorithm', 'token algorithm not allowed', cause);
  }
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
    return new AuthError('signature', 'no matching signing key', cause);
  }
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return new AuthError('malformed', 'malformed token', cause);
  // jose reports a failed JWKS fetch (bad status, bad JSON) as a generic JOSEError, a timeout as
  // JWKSTimeout, a bad key set as JWKSInvalid; the network itself throws plain errors (ECONNREFUSED).
  const generic = err instanceof errors.JOSEError && err.code === 'ERR_JOSE_GENERIC';
  if (generic || err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || !(err instanceof errors.JOSEError)) {
    return new AuthError('keys_unavailable', 'signing keys unavailable', cause);
  }
  return new AuthError('malformed', 'malformed token', cause);
}

/** Ids match as strings (DESIGN.md), so numbers in an id list become strings. */
function idList(name: string, value: unknown): string[] {
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items) || !items.every((i) => typeof i === 'string' || typeof i === 'number')) {
    throw new AuthError('claims', `"${name}" claim must be an array or a comma-separated string`);
  }
  return items.map((i) => String(i).trim()).filter((i) => i !== '');
}

function optionalString(payload: JWTPayload, name: string): void {
  if (payload[name] !== undefined && typeof payload[name] !== 'string') {
    throw new AuthError('claims', `"${name}" claim must be a string`);
  }
}

/** Checks the claim shapes the gateway relies on and normalises list claims. */
export function normaliseClaims(payload: JWTPayload): Claims {
  const { sub } = payload;
  if (typeof sub !== 'string' || sub === '') throw new AuthError('claims', 'token has no "sub" claim');
  optionalString(payload, 'username');
  optionalString(payload, 'uuid');
  const storeId = payload.store_id;
  if (storeId !== undefined && typeof storeId !== 'string' && typeof storeId !== 'number') {
    throw new AuthError('claims', '"store_id" claim must be a string or a number');
  }

  const claims: Claims = { ...payload, sub };
  if (payload.workspaces !== undefined) claims.workspaces = idList('workspaces', payload.workspaces);
  if (payload.channels !== undefined) claims.channels = idList('channels', payload.channels);
  if (payload.scope !== undefined) {
    const scope = payload.scope;
    if (Array.isArray(scope) && scope.every((s) => typeof s === 'string')) claims.scope = scope.join(' ');
    else if (typeof scope !== 'string') throw new AuthError('claims', '"scope" claim must be a string or an array of strings');
  }
  return claims;
}

/** True when the claims grant `scope` (space-separated string, or an array in hand-built claims). */
export function hasScope(claims: Claims, scope: string): boolean {
  const value: unknown = claims.scope;
  const scopes = typeof value === 'string' ? value.split(/\s+/) : Array.isArray(value) ? value : [];
  return scopes.includes(scope);
}

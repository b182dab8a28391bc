// Tokens signed by someone else's identity service, verified against its published JWKS.
import { createRemoteJWKSet, jwtVerify, type RemoteJWKSetOptions } from 'jose';
import type { Logger } from '../log';
import { normaliseClaims, toAuthError, type AuthFailure, type Authenticator, type Claims } from './authenticator';
import { checkLifetime, DEFAULT_TOKEN_RULES, joseOptions, type TokenRules } from './token-rules';

/** Asymmetric only: an HMAC algorithm here would let anyone holding the public key forge tokens. */
export const JWKS_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];

const AFTER_KEYS: ReadonlySet<AuthFailure> = new Set<AuthFailure>(['signature', 'expired', 'not_yet_valid', 'claims']);

export interface JwksAuthenticatorOptions {
  rules?: TokenRules;
  /** Told once when the keys become unavailable and once when they are back. */
  log?: Logger;
  jwks?: RemoteJWKSetOptions;
}

export class JwksAuthenticator implements Authenticator {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;
  private readonly rules: TokenRules;
  private keysUnavailable = false;

  constructor(
    private readonly url: string | URL,
    private readonly options: JwksAuthenticatorOptions = {},
  ) {
    // jose fetches lazily, caches, and refetches on an unknown `kid` (key rotation).
    this.keys = createRemoteJWKSet(new URL(url), options.jwks);
    this.rules = options.rules ?? DEFAULT_TOKEN_RULES;
  }

  async verify(token: string): Promise<Claims> {
    try {
      const { payload } = await jwtVerify(token, this.keys, joseOptions(this.rules, JWKS_ALGORITHMS));
      this.available(true);
      checkLifetime(payload, this.rules);
      return normaliseClaims(payload);
    } catch (err) {
      const error = toAuthError(err);
      if (error.reason === 'keys_unavailable') this.available(false, error.cause);
      // These come after the signature check, so the keys were there (malformed or algorithm may not).
      else if (AFTER_KEYS.has(error.reason)) this.available(true);
      throw error;
    }
  }

  /** One log line per outage of the key set and one per recovery, not one per request. */
  private available(yes: boolean, cause?: unknown): void {
    if (yes === !this.keysUnavailable) return;
    this.keysUnavailable = !yes;
    const where = { jwksUrl: String(this.url) };
    if (yes) this.options.log?.info(where, 'JWKS signing keys are available again');
    else this.options.log?.warn({ ...where, err: cause }, 'JWKS signing keys cannot be fetched: token checks answer 503 until they can');
  }
}

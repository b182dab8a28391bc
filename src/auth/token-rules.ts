// What a correctly signed token must also satisfy: the configured issuer and audience, and a bounded
// life. The rule for the life (README "Tokens"):
// - `exp` and `nbf` are checked by jose, with the clock tolerance;
// - a token must carry `exp` or `iat`: one with neither would never expire;
// - with `iat`: not in the future, and not older than the maximum token age (even before its `exp`);
// - without `iat`: its `exp` may lie at most the maximum token age ahead (its age cannot be known).
import type { JWTPayload, JWTVerifyOptions } from 'jose';
import type { Config } from '../config';
import { AuthError } from './authenticator';

export interface TokenRules {
  /** Accepted `iss` values; undefined: not checked. */
  issuer?: readonly string[];
  /** Accepted `aud` values, one of which the token must name; undefined: not checked. */
  audience?: readonly string[];
  maxAgeSeconds: number;
  clockToleranceSeconds: number;
}

/** The defaults of AUTH_MAX_TOKEN_AGE_MS and AUTH_CLOCK_TOLERANCE_MS (src/config.ts). */
export const DEFAULT_TOKEN_RULES: TokenRules = { maxAgeSeconds: 86_400, clockToleranceSeconds: 30 };

export function tokenRules(config: Pick<Config, 'authIssuer' | 'authAudience' | 'authMaxTokenAgeMs' | 'authClockToleranceMs'>): TokenRules {
  return {
    issuer: config.authIssuer,
    audience: config.authAudience,
    maxAgeSeconds: config.authMaxTokenAgeMs / 1000,
    clockToleranceSeconds: config.authClockToleranceMs / 1000,
  };
}

/** The part of the rules jose checks itself (issuer, audience, exp and nbf with the tolerance). */
export function joseOptions(rules: TokenRules, algorithms: string[]): JWTVerifyOptions {
  return {
    algorithms,
    issuer: rules.issuer && [...rules.issuer],
    audience: rules.audience && [...rules.audience],
    clockTolerance: rules.clockToleranceSeconds,
  };
}

/** The rest: throws AuthError unless the token's life is bounded as described above. */
export function checkLifetime(payload: JWTPayload, rules: TokenRules, nowSeconds = Date.now() / 1000): void {
  // jose has already refused a non-numeric `iat` or `exp`.
  const { iat, exp } = payload;
  const tolerance = rules.clockToleranceSeconds;
  if (iat !== undefined) {
    if (iat > nowSeconds + tolerance) throw new AuthError('not_yet_valid', 'token issued in the future ("iat")');
    if (nowSeconds - iat > rules.maxAgeSeconds + tolerance) throw new AuthError('expired', 'token older than the maximum token age');
  } else if (exp === undefined) {
    throw new AuthError('claims', 'token has neither "exp" nor "iat", so it would never expire');
  } else if (exp - nowSeconds > rules.maxAgeSeconds + tolerance) {
    throw new AuthError('claims', 'token without "iat" expires later than the maximum token age');
  }
}

// Tokens signed by someone else's identity service, verified against its published JWKS.
import { createRemoteJWKSet, jwtVerify, type RemoteJWKSetOptions } from 'jose';
import { normaliseClaims, toAuthError, type Authenticator, type Claims } from './authenticator';

/** Asymmetric only: an HMAC algorithm here would let anyone holding the public key forge tokens. */
export const JWKS_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];

export class JwksAuthenticator implements Authenticator {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(url: string | URL, options?: RemoteJWKSetOptions) {
    // jose fetches lazily, caches, and refetches on an unknown `kid` (key rotation).
    this.keys = createRemoteJWKSet(new URL(url), options);
  }

  async verify(token: string): Promise<Claims> {
    try {
      const { payload } = await jwtVerify(token, this.keys, { algorithms: JWKS_ALGORITHMS });
      return normaliseClaims(payload);
    } catch (err) {
      throw toAuthError(err);
    }
  }
}

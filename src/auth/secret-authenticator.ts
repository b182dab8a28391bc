// HS256 shared-secret tokens: the identity service and the gateway hold the same AUTH_JWT_SECRET.
import { createSecretKey, type KeyObject } from 'node:crypto';
import { jwtVerify } from 'jose';
import { normaliseClaims, toAuthError, type Authenticator, type Claims } from './authenticator';
import { checkLifetime, DEFAULT_TOKEN_RULES, joseOptions, type TokenRules } from './token-rules';

export class SecretAuthenticator implements Authenticator {
  /** A KeyObject made once: given raw bytes, jose would make one on every verify (~20% of its cost). */
  private readonly key: KeyObject;

  constructor(
    secret: string,
    private readonly rules: TokenRules = DEFAULT_TOKEN_RULES,
  ) {
    if (secret === '') throw new Error('SecretAuthenticator needs a non-empty secret');
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  async verify(token: string): Promise<Claims> {
    try {
      // Pinning the algorithm refuses `alg: none` and any other algorithm a forger might pick.
      const { payload } = await jwtVerify(token, this.key, joseOptions(this.rules, ['HS256']));
      checkLifetime(payload, this.rules);
      return normaliseClaims(payload);
    } catch (err) {
      throw toAuthError(err);
    }
  }
}

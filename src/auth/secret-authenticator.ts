// HS256 shared-secret tokens: the identity service and the gateway hold the same AUTH_JWT_SECRET.
import { jwtVerify } from 'jose';
import { normaliseClaims, toAuthError, type Authenticator, type Claims } from './authenticator';

export class SecretAuthenticator implements Authenticator {
  private readonly key: Uint8Array;

  constructor(secret: string) {
    if (secret === '') throw new Error('SecretAuthenticator needs a non-empty secret');
    this.key = new TextEncoder().encode(secret);
  }

  async verify(token: string): Promise<Claims> {
    try {
      // Pinning the algorithm refuses `alg: none` and any other algorithm a forger might pick.
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'] });
      return normaliseClaims(payload);
    } catch (err) {
      throw toAuthError(err);
    }
  }
}

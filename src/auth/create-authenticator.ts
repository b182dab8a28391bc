// Which implementation of the auth port a node uses: JWKS when AUTH_JWKS_URL is configured, otherwise
// the HS256 secret. Apart from the port (authenticator.ts) so that the port does not import its
// implementations, which import it.
import type { Config } from '../config';
import type { Logger } from '../log';
import type { Authenticator } from './authenticator';
import { JwksAuthenticator } from './jwks-authenticator';
import { SecretAuthenticator } from './secret-authenticator';
import { tokenRules } from './token-rules';

type AuthConfig = Pick<Config, 'authJwtSecret' | 'authJwksUrl' | 'authIssuer' | 'authAudience' | 'authMaxTokenAgeMs' | 'authClockToleranceMs'>;

/** Config always provides one of the two; the error is for hand-built configs. */
export function createAuthenticator(config: AuthConfig, log?: Logger): Authenticator {
  const rules = tokenRules(config);
  if (config.authJwksUrl !== undefined) return new JwksAuthenticator(config.authJwksUrl, { rules, log });
  if (config.authJwtSecret !== undefined) return new SecretAuthenticator(config.authJwtSecret, rules);
  throw new Error('no authentication configured: set AUTH_JWT_SECRET or AUTH_JWKS_URL');
}

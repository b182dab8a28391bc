// Mints HS256 tokens with the configured secret, for development and tests (`switchyard token`).
import { SignJWT } from 'jose';

export interface SignTokenOptions {
  sub: string;
  claims?: Record<string, unknown>;
  scope?: string;
  /** A jose time span: '1h', '30m', '2 days'. */
  ttl?: string;
  /** `iss` and `aud`, for a gateway that checks them (AUTH_ISSUER, AUTH_AUDIENCE). */
  issuer?: string;
  audience?: string;
}

// Set by their own options; accepting them in `claims` too would silently lose one of the two.
const RESERVED_CLAIMS = ['sub', 'scope', 'iat', 'exp', 'iss', 'aud'];

export async function signToken(secret: string, opts: SignTokenOptions): Promise<string> {
  if (secret === '') throw new Error('signToken needs a non-empty secret');
  if (opts.sub === '') throw new Error('signToken needs a non-empty sub');
  const claims = opts.claims ?? {};
  for (const name of RESERVED_CLAIMS) {
    if (name in claims) throw new Error(`claim "${name}" is set by its own option, not in claims`);
  }
  const payload = opts.scope !== undefined ? { ...claims, scope: opts.scope } : { ...claims };
  const jwt = new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(opts.sub)
    .setIssuedAt()
    .setExpirationTime(opts.ttl ?? '1h');
  if (opts.issuer !== undefined) jwt.setIssuer(opts.issuer);
  if (opts.audience !== undefined) jwt.setAudience(opts.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}

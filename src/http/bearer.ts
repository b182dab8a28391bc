// Bearer token from an Authorization header, verified; undefined when missing or invalid.
import { AuthError, type Authenticator, type Claims } from '../auth/authenticator';

export async function bearerClaims(auth: Authenticator, header: string | undefined): Promise<Claims | undefined> {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m ? verifyOrUndefined(auth, m[1]) : undefined;
}

export async function verifyOrUndefined(auth: Authenticator, token: unknown): Promise<Claims | undefined> {
  if (typeof token !== 'string' || token === '') return undefined;
  try {
    return await auth.verify(token);
  } catch (err) {
    if (err instanceof AuthError) return undefined;
    throw err;
  }
}

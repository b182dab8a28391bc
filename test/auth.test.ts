import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CompactSign, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type JWK, type JWTPayload, type KeyLike } from 'jose';
import {
  AuthError,
  hasScope,
  type AuthFailure,
  type Authenticator,
  type Claims,
} from '../src/auth/authenticator';
import { createAuthenticator } from '../src/auth/create-authenticator';
import { JwksAuthenticator } from '../src/auth/jwks-authenticator';
import { SecretAuthenticator } from '../src/auth/secret-authenticator';
import { signToken } from '../src/auth/token';
import { DEFAULT_TOKEN_RULES, type TokenRules } from '../src/auth/token-rules';
import { DEV_JWT_SECRET, loadConfig } from '../src/config';

interface SigningKey {
  alg: string;
  key: KeyLike | Uint8Array;
  kid?: string;
}

interface Fixture {
  authenticator: Authenticator;
  /** Another authenticator trusting the same key, under other token rules. */
  withRules(rules: TokenRules): Authenticator;
  /** The key and algorithm the authenticator trusts. */
  trusted: SigningKey;
  /** Same algorithm (and kid), different key. */
  untrusted: SigningKey;
  /** The trusted key material under an algorithm the authenticator does not allow. */
  otherAlgorithm: SigningKey;
  close?: () => Promise<void>;
}

const now = (): number => Math.floor(Date.now() / 1000);

function mint(
  signing: SigningKey,
  payload: JWTPayload,
  customize: (jwt: SignJWT) => SignJWT = (jwt) => jwt.setExpirationTime('5m'),
): Promise<string> {
  const jwt = new SignJWT(payload).setProtectedHeader({ alg: signing.alg, kid: signing.kid }).setIssuedAt();
  return customize(jwt).sign(signing.key);
}

async function rejection(promise: Promise<unknown>): Promise<AuthError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AuthError);
    return err as AuthError;
  }
  throw new Error('expected the token to be rejected');
}

async function expectRejected(promise: Promise<unknown>, reason: AuthFailure): Promise<void> {
  expect((await rejection(promise)).reason).toBe(reason);
}

function authenticatorSuite(name: string, setup: () => Promise<Fixture>): void {
  describe(`${name} authenticator`, () => {
    let f: Fixture;
    beforeAll(async () => {
      f = await setup();
    });
    afterAll(async () => {
      await f.close?.();
    });

    it('accepts a valid token and returns its claims, normalised', async () => {
      const token = await mint(f.trusted, {
        sub: 'alice',
        username: 'Alice',
        store_id: 1,
        uuid: '6f1c1e4e-4f3a-4a38-9a55-0c7f8a9d1b2e',
        workspaces: 'w1, w2',
        channels: ['c1', 2],
        scope: 'publish read',
        team: 'blue',
      });
      const claims = await f.authenticator.verify(token);
      expect(claims).toMatchObject({
        sub: 'alice',
        username: 'Alice',
        store_id: 1,
        uuid: '6f1c1e4e-4f3a-4a38-9a55-0c7f8a9d1b2e',
        workspaces: ['w1', 'w2'],
        channels: ['c1', '2'],
        scope: 'publish read',
        team: 'blue',
      });
      expect(hasScope(claims, 'publish')).toBe(true);
    });

    it('accepts workspaces as an array and scope as an array', async () => {
      const token = await mint(f.trusted, { sub: 'bob', workspaces: ['w1', 7], scope: ['publish'] });
      const claims = await f.authenticator.verify(token);
      expect(claims.workspaces).toEqual(['w1', '7']);
      expect(claims.scope).toBe('publish');
    });

    it('rejects an expired token', async () => {
      const token = await mint(f.trusted, { sub: 'alice' }, (jwt) => jwt.setIssuedAt(now() - 7200).setExpirationTime(now() - 3600));
      await expectRejected(f.authenticator.verify(token), 'expired');
    });

    it('rejects a token that is not yet valid', async () => {
      const token = await mint(f.trusted, { sub: 'alice' }, (jwt) => jwt.setNotBefore(now() + 3600).setExpirationTime('2h'));
      await expectRejected(f.authenticator.verify(token), 'not_yet_valid');
    });

    it('rejects a token signed with the wrong key', async () => {
      const token = await mint(f.untrusted, { sub: 'alice' });
      await expectRejected(f.authenticator.verify(token), 'signature');
    });

    it('rejects a token whose payload was changed after signing', async () => {
      const [header, , signature] = (await mint(f.trusted, { sub: 'alice' })).split('.');
      const forged = Buffer.from(JSON.stringify({ sub: 'mallory', exp: now() + 300 })).toString('base64url');
      await expectRejected(f.authenticator.verify(`${header}.${forged}.${signature}`), 'signature');
    });

    it('rejects alg none', async () => {
      const token = new UnsecuredJWT({ sub: 'alice' }).setExpirationTime('5m').encode();
      await expectRejected(f.authenticator.verify(token), 'algorithm');
    });

    it('rejects a token signed with a different algorithm', async () => {
      const token = await mint(f.otherAlgorithm, { sub: 'alice' });
      await expectRejected(f.authenticator.verify(token), 'algorithm');
    });

    it('rejects a token without sub', async () => {
      const token = await mint(f.trusted, { username: 'alice' });
      await expectRejected(f.authenticator.verify(token), 'claims');
    });

    it('rejects a token whose sub is not a string', async () => {
      const token = await mint(f.trusted, { sub: 42 } as unknown as JWTPayload);
      await expectRejected(f.authenticator.verify(token), 'claims');
    });

    it('rejects claims of the wrong shape', async () => {
      await expectRejected(f.authenticator.verify(await mint(f.trusted, { sub: 'a', workspaces: { w1: true } })), 'claims');
      await expectRejected(f.authenticator.verify(await mint(f.trusted, { sub: 'a', store_id: true })), 'claims');
      await expectRejected(f.authenticator.verify(await mint(f.trusted, { sub: 'a', username: 5 })), 'claims');
      await expectRejected(f.authenticator.verify(await mint(f.trusted, { sub: 'a', scope: 5 })), 'claims');
    });

    it.each(['', 'garbage', 'a.b', 'a.b.c'])('rejects the malformed token %j', async (token) => {
      await expectRejected(f.authenticator.verify(token), 'malformed');
    });

    describe('token rules', () => {
      const HOUR = 3600;
      const maxAge = DEFAULT_TOKEN_RULES.maxAgeSeconds;
      const tolerance = DEFAULT_TOKEN_RULES.clockToleranceSeconds;
      /** Signed with the trusted key, with exactly the given time claims (no defaults). */
      const timed = (times: { iat?: number; exp?: number }): Promise<string> =>
        new SignJWT({ sub: 'alice', ...times }).setProtectedHeader({ alg: f.trusted.alg, kid: f.trusted.kid }).sign(f.trusted.key);

      it('rejects a token with neither exp nor iat: it would never expire', async () => {
        await expectRejected(f.authenticator.verify(await timed({})), 'claims');
      });

      it('accepts a token without exp while its iat is within the maximum age, and not after', async () => {
        expect((await f.authenticator.verify(await timed({ iat: now() - HOUR }))).sub).toBe('alice');
        await expectRejected(f.authenticator.verify(await timed({ iat: now() - maxAge - tolerance - 60 })), 'expired');
      });

      it('rejects a token older than the maximum age although its exp is still ahead', async () => {
        await expectRejected(f.authenticator.verify(await timed({ iat: now() - maxAge - tolerance - 60, exp: now() + HOUR })), 'expired');
      });

      it('rejects a token issued in the future, beyond the clock tolerance', async () => {
        await expectRejected(f.authenticator.verify(await timed({ iat: now() + tolerance + 60, exp: now() + 2 * HOUR })), 'not_yet_valid');
        expect((await f.authenticator.verify(await timed({ iat: now() + tolerance - 5, exp: now() + HOUR }))).sub).toBe('alice');
      });

      it('accepts exp within the clock tolerance, and not beyond it', async () => {
        expect((await f.authenticator.verify(await timed({ iat: now() - HOUR, exp: now() - tolerance + 5 }))).sub).toBe('alice');
        await expectRejected(f.authenticator.verify(await timed({ iat: now() - HOUR, exp: now() - tolerance - 5 })), 'expired');
      });

      it('without iat, accepts an exp at most the maximum age ahead', async () => {
        expect((await f.authenticator.verify(await timed({ exp: now() + HOUR }))).sub).toBe('alice');
        await expectRejected(f.authenticator.verify(await timed({ exp: now() + maxAge + tolerance + 60 })), 'claims');
      });

      it('applies a configured maximum age and tolerance', async () => {
        const strict = f.withRules({ maxAgeSeconds: 60, clockToleranceSeconds: 0 });
        await expectRejected(strict.verify(await timed({ iat: now() - 120, exp: now() + HOUR })), 'expired');
        await expectRejected(strict.verify(await timed({ iat: now() + 10, exp: now() + HOUR })), 'not_yet_valid');
        expect((await strict.verify(await timed({ iat: now() - 30 }))).sub).toBe('alice');
      });

      describe('issuer and audience', () => {
        const rules: TokenRules = { ...DEFAULT_TOKEN_RULES, issuer: ['https://id.example'], audience: ['switchyard', 'other-app'] };
        const token = (claims: JWTPayload) => mint(f.trusted, { sub: 'alice', ...claims });

        it('accepts the configured issuer and any configured audience, also in an audience list', async () => {
          const checked = f.withRules(rules);
          expect((await checked.verify(await token({ iss: 'https://id.example', aud: 'switchyard' }))).sub).toBe('alice');
          expect((await checked.verify(await token({ iss: 'https://id.example', aud: ['x', 'other-app'] }))).sub).toBe('alice');
        });

        it.each([
          ['a wrong issuer', { iss: 'https://evil.example', aud: 'switchyard' }],
          ['no issuer', { aud: 'switchyard' }],
          ['a wrong audience', { iss: 'https://id.example', aud: 'billing' }],
          ['no audience', { iss: 'https://id.example' }],
        ])('rejects %s', async (_what, claims) => {
          await expectRejected(f.withRules(rules).verify(await token(claims)), 'claims');
        });

        it('checks neither when none is configured', async () => {
          expect((await f.authenticator.verify(await token({ iss: 'anyone', aud: 'anything' }))).sub).toBe('alice');
        });
      });
    });

    it('rejects a correctly signed payload that is not a JSON claims set', async () => {
      const token = await new CompactSign(new TextEncoder().encode('not json'))
        .setProtectedHeader({ alg: f.trusted.alg, kid: f.trusted.kid })
        .sign(f.trusted.key);
      await expectRejected(f.authenticator.verify(token), 'malformed');
    });
  });
}

authenticatorSuite('secret (HS256)', async () => {
  const secret = new TextEncoder().encode('test-secret-0123456789abcdef');
  return {
    authenticator: new SecretAuthenticator('test-secret-0123456789abcdef'),
    withRules: (rules) => new SecretAuthenticator('test-secret-0123456789abcdef', rules),
    trusted: { alg: 'HS256', key: secret },
    untrusted: { alg: 'HS256', key: new TextEncoder().encode('another-secret-0123456789abcdef') },
    otherAlgorithm: { alg: 'HS512', key: secret },
  };
});

/** A JWKS endpoint on 127.0.0.1, port chosen by the OS. */
async function serveJwks(keys: JWK[]): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // jose's fetch keeps its connection alive; without this close() would wait for it to idle out.
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

async function publicJwk(key: KeyLike, kid: string, alg: string): Promise<JWK> {
  return { ...(await exportJWK(key)), kid, alg, use: 'sig' };
}

authenticatorSuite('JWKS (RS256)', async () => {
  const rsa = await generateKeyPair('RS256');
  const impostor = await generateKeyPair('RS256');
  const server = await serveJwks([await publicJwk(rsa.publicKey, 'rsa-1', 'RS256')]);
  return {
    authenticator: new JwksAuthenticator(server.url),
    withRules: (rules) => new JwksAuthenticator(server.url, { rules }),
    trusted: { alg: 'RS256', key: rsa.privateKey, kid: 'rsa-1' },
    untrusted: { alg: 'RS256', key: impostor.privateKey, kid: 'rsa-1' },
    otherAlgorithm: { alg: 'RS384', key: rsa.privateKey, kid: 'rsa-1' },
    close: server.close,
  };
});

describe('JWKS authenticator specifics', () => {
  let keys: Record<'RS256' | 'ES256' | 'EdDSA', { publicKey: KeyLike; privateKey: KeyLike }>;
  let server: Awaited<ReturnType<typeof serveJwks>>;
  let authenticator: JwksAuthenticator;

  beforeAll(async () => {
    keys = {
      RS256: await generateKeyPair('RS256'),
      ES256: await generateKeyPair('ES256'),
      EdDSA: await generateKeyPair('EdDSA'),
    };
    server = await serveJwks(
      await Promise.all(Object.entries(keys).map(([alg, pair]) => publicJwk(pair.publicKey, `${alg}-key`, alg))),
    );
    authenticator = new JwksAuthenticator(server.url);
  });
  afterAll(async () => {
    await server.close();
  });

  it.each(['RS256', 'ES256', 'EdDSA'] as const)('accepts %s', async (alg) => {
    const token = await mint({ alg, key: keys[alg].privateKey, kid: `${alg}-key` }, { sub: `user-${alg}` });
    expect((await authenticator.verify(token)).sub).toBe(`user-${alg}`);
  });

  it('fetches the key set once and reuses it', async () => {
    for (let i = 0; i < 3; i += 1) {
      await authenticator.verify(await mint({ alg: 'ES256', key: keys.ES256.privateKey, kid: 'ES256-key' }, { sub: 'x' }));
    }
    expect(server.requests()).toBe(1);
  });

  it('refuses an HS256 token keyed with the public key (algorithm confusion)', async () => {
    const publicKeyBytes = new TextEncoder().encode(JSON.stringify(await exportJWK(keys.RS256.publicKey)));
    const token = await mint({ alg: 'HS256', key: publicKeyBytes, kid: 'RS256-key' }, { sub: 'mallory' });
    await expectRejected(authenticator.verify(token), 'algorithm');
  });

  it('rejects a kid the key set does not have', async () => {
    const stranger = await generateKeyPair('ES256');
    const token = await mint({ alg: 'ES256', key: stranger.privateKey, kid: 'unknown-key' }, { sub: 'x' });
    await expectRejected(authenticator.verify(token), 'signature');
  });

  it('reports an unreachable key set as keys_unavailable, still an AuthError', async () => {
    const gone = await serveJwks([]);
    await gone.close();
    const token = await mint({ alg: 'ES256', key: keys.ES256.privateKey, kid: 'ES256-key' }, { sub: 'x' });
    await expectRejected(new JwksAuthenticator(gone.url).verify(token), 'keys_unavailable');
  });

  it('reports a key set answered with an error status as keys_unavailable', async () => {
    const failing = createServer((_req, res) => res.writeHead(503).end());
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(failing.address() as AddressInfo).port}/jwks.json`;
    try {
      const token = await mint({ alg: 'ES256', key: keys.ES256.privateKey, kid: 'ES256-key' }, { sub: 'x' });
      await expectRejected(new JwksAuthenticator(url).verify(token), 'keys_unavailable');
    } finally {
      failing.closeAllConnections();
      await new Promise((resolve) => failing.close(resolve));
    }
  });

  it('logs once when the keys become unavailable and once when they are back, not per request', async () => {
    let up = false;
    const jwk = await publicJwk(keys.ES256.publicKey, 'ES256-key', 'ES256');
    const flaky = createServer((_req, res) => {
      if (!up) return res.writeHead(503).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    const lines: Array<[string, string]> = [];
    const log = { warn: (_o: unknown, msg: string) => lines.push(['warn', msg]), info: (_o: unknown, msg: string) => lines.push(['info', msg]) };
    const checker = new JwksAuthenticator(`http://127.0.0.1:${(flaky.address() as AddressInfo).port}/jwks.json`, { log: log as never });
    const token = await mint({ alg: 'ES256', key: keys.ES256.privateKey, kid: 'ES256-key' }, { sub: 'x' });
    try {
      for (let i = 0; i < 3; i += 1) await expectRejected(checker.verify(token), 'keys_unavailable');
      await expectRejected(checker.verify('not-a-token'), 'malformed'); // says nothing about the keys
      up = true;
      for (let i = 0; i < 3; i += 1) expect((await checker.verify(token)).sub).toBe('x');
      expect(lines.map(([level]) => level)).toEqual(['warn', 'info']);
    } finally {
      flaky.closeAllConnections();
      await new Promise((resolve) => flaky.close(resolve));
    }
  });
});

describe('hasScope', () => {
  const claims = (scope: unknown): Claims => ({ sub: 'a', scope }) as Claims;

  it('reads a space-separated scope string', () => {
    expect(hasScope(claims('read publish'), 'publish')).toBe(true);
    expect(hasScope(claims('read'), 'publish')).toBe(false);
  });

  it('matches whole scopes only', () => {
    expect(hasScope(claims('publisher'), 'publish')).toBe(false);
  });

  it('reads an array of scopes', () => {
    expect(hasScope(claims(['read', 'publish']), 'publish')).toBe(true);
    expect(hasScope(claims(['read']), 'publish')).toBe(false);
  });

  it('is false without a scope claim', () => {
    expect(hasScope({ sub: 'a' }, 'publish')).toBe(false);
  });
});

describe('createAuthenticator', () => {
  it('uses the shared secret when AUTH_JWT_SECRET (or the dev secret) is configured', async () => {
    const authenticator = createAuthenticator(loadConfig({}));
    expect(authenticator).toBeInstanceOf(SecretAuthenticator);
    const token = await signToken(DEV_JWT_SECRET, { sub: 'alice' });
    expect((await authenticator.verify(token)).sub).toBe('alice');
  });

  it('uses the JWKS when AUTH_JWKS_URL is configured', () => {
    const authenticator = createAuthenticator(loadConfig({ AUTH_JWKS_URL: 'http://127.0.0.1:1/jwks.json' }));
    expect(authenticator).toBeInstanceOf(JwksAuthenticator);
  });

  it('refuses to run with no way to verify tokens', () => {
    expect(() => createAuthenticator({ ...loadConfig({}), authJwtSecret: undefined, authJwksUrl: undefined })).toThrow(/AUTH_JWT_SECRET/);
  });

  it('applies the configured issuer, audience and maximum age', async () => {
    const authenticator = createAuthenticator(loadConfig({ AUTH_ISSUER: 'https://id.example', AUTH_AUDIENCE: 'switchyard', AUTH_MAX_TOKEN_AGE_MS: '60000' }));
    const sign = (claims: Record<string, unknown>, ttl = '1m') => signToken(DEV_JWT_SECRET, { sub: 'alice', claims, ttl });
    expect((await authenticator.verify(await signToken(DEV_JWT_SECRET, { sub: 'alice', ttl: '1m', issuer: 'https://id.example', audience: 'switchyard' }))).sub).toBe('alice');
    await expectRejected(authenticator.verify(await sign({})), 'claims');
    await expectRejected(authenticator.verify(await signToken(DEV_JWT_SECRET, { sub: 'alice', ttl: '1m', issuer: 'https://id.example', audience: 'other' })), 'claims');
    const old = await new SignJWT({ sub: 'alice', iss: 'https://id.example', aud: 'switchyard' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(now() - 600)
      .setExpirationTime(now() + 600)
      .sign(new TextEncoder().encode(DEV_JWT_SECRET));
    await expectRejected(authenticator.verify(old), 'expired');
  });
});

import { decodeJwt, decodeProtectedHeader } from 'jose';
import { AuthError, hasScope } from '../src/auth/authenticator';
import { createAuthenticator } from '../src/auth/create-authenticator';
import { SecretAuthenticator } from '../src/auth/secret-authenticator';
import { signToken } from '../src/auth/token';
import { UsageError } from '../src/cli/command';
import { parseClaims, runTokenCommand, TOKEN_USAGE } from '../src/cli/token';
import { ConfigError, DEV_JWT_SECRET, loadConfig } from '../src/config';

const SECRET = 'cli-test-secret-0123456789';
const ENV = { AUTH_JWT_SECRET: SECRET };
const verifier = new SecretAuthenticator(SECRET);

async function usageErrorOf(argv: string[]): Promise<UsageError> {
  try {
    await runTokenCommand(argv, ENV);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toContain(TOKEN_USAGE);
    return err as UsageError;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
}

describe('switchyard token', () => {
  it('prints a token the secret authenticator accepts, carrying the claims', async () => {
    const token = await runTokenCommand(
      ['--sub', 'alice', '--claim', 'store_id=1', '--claim', 'username=Alice', '--claim', 'workspaces=w1,w2', '--scope', 'publish'],
      ENV,
    );
    const claims = await verifier.verify(token);
    expect(claims).toMatchObject({ sub: 'alice', store_id: 1, username: 'Alice', workspaces: ['w1', 'w2'], scope: 'publish' });
    const json = await verifier.verify(await runTokenCommand(['--sub', 'bob', '--claim', 'workspaces=["w1"]'], ENV));
    expect(json.workspaces).toEqual(['w1']);
    expect(hasScope(claims, 'publish')).toBe(true);
    expect(decodeProtectedHeader(token).alg).toBe('HS256');
  });

  it('expires after --ttl, one hour by default', async () => {
    const oneHour = await verifier.verify(await runTokenCommand(['--sub', 'a'], ENV));
    const tenMinutes = await verifier.verify(await runTokenCommand(['--sub', 'a', '--ttl', '10m'], ENV));
    expect(Number(oneHour.exp) - Number(oneHour.iat)).toBe(3600);
    expect(Number(tenMinutes.exp) - Number(tenMinutes.iat)).toBe(600);
  });

  it('mints tokens that the gateway accepts under its default token rules', async () => {
    const gateway = createAuthenticator(loadConfig(ENV));
    expect((await gateway.verify(await runTokenCommand(['--sub', 'a'], ENV))).sub).toBe('a');
    expect((await gateway.verify(await runTokenCommand(['--sub', 'a', '--ttl', '24h'], ENV))).sub).toBe('a');
  });

  it('carries the configured issuer and audience, so a gateway checking them accepts the token', async () => {
    const env = { ...ENV, AUTH_ISSUER: 'https://id.example,https://old.example', AUTH_AUDIENCE: 'switchyard' };
    const token = await runTokenCommand(['--sub', 'a'], env);
    expect(decodeJwt(token)).toMatchObject({ iss: 'https://id.example', aud: 'switchyard' });
    expect((await createAuthenticator(loadConfig(env)).verify(token)).sub).toBe('a');
  });

  it('refuses a --ttl longer than AUTH_MAX_TOKEN_AGE_MS: the gateway would refuse the token early', async () => {
    expect((await usageErrorOf(['--sub', 'a', '--ttl', '2d'])).message).toContain('longer than AUTH_MAX_TOKEN_AGE_MS');
    const token = await runTokenCommand(['--sub', 'a', '--ttl', '2d'], { ...ENV, AUTH_MAX_TOKEN_AGE_MS: '172800000' });
    expect((await verifier.verify(token)).sub).toBe('a');
  });

  it('has no scope unless --scope is given', async () => {
    const claims = await verifier.verify(await runTokenCommand(['--sub', 'a'], ENV));
    expect(claims.scope).toBeUndefined();
    expect(hasScope(claims, 'publish')).toBe(false);
  });

  it('signs with the dev secret when none is configured', async () => {
    const token = await runTokenCommand(['--sub', 'dev'], {});
    expect((await new SecretAuthenticator(DEV_JWT_SECRET).verify(token)).sub).toBe('dev');
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(AuthError);
  });

  it('refuses when only AUTH_JWKS_URL is configured', async () => {
    await expect(runTokenCommand(['--sub', 'a'], { AUTH_JWKS_URL: 'https://id.example.com/jwks' })).rejects.toThrow(
      /AUTH_JWKS_URL is configured/,
    );
  });

  it('refuses a configuration that does not load', async () => {
    await expect(runTokenCommand(['--sub', 'a'], { NODE_ENV: 'production' })).rejects.toBeInstanceOf(ConfigError);
  });

  it.each([
    [[], '--sub is required'],
    [['--sub', ''], '--sub is required'],
    [['--claim', 'a=1'], '--sub is required'],
    [['--sub', 'a', '--claim', 'noequals'], 'malformed --claim "noequals"'],
    [['--sub', 'a', '--claim', '=value'], 'malformed --claim "=value"'],
    [['--sub', 'a', '--claim', 'k=1', '--claim', 'k=2'], '--claim "k" given twice'],
    [['--sub', 'a', '--claim', 'sub=b'], '--claim sub=... is not allowed, --sub sets it'],
    [['--sub', 'a', '--claim', 'exp=1'], '--claim exp=... is not allowed, --ttl sets it'],
    [['--sub', 'a', '--claim', 'aud=x'], '--claim aud=... is not allowed, AUTH_AUDIENCE sets it'],
    [['--sub', 'a', '--ttl', 'forever'], 'invalid --ttl "forever"'],
    [['--sub', 'a', '--bogus'], "Unknown option '--bogus'"],
    [['--sub', 'a', 'extra'], 'extra'],
  ])('%j is a usage error', async (argv, problem) => {
    expect((await usageErrorOf(argv)).message).toContain(problem);
  });
});

describe('parseClaims', () => {
  it('turns canonical integers into numbers and keeps everything else a string', () => {
    expect(parseClaims(['store_id=1', 'neg=-4', 'zip=007', 'big=12345678901234567890', 'word=abc', 'empty='])).toEqual({
      store_id: 1,
      neg: -4,
      zip: '007',
      big: '12345678901234567890',
      word: 'abc',
      empty: '',
    });
  });

  it('splits only workspaces and channels into arrays, keeping ids as strings', () => {
    expect(parseClaims(['workspaces=1, 2', 'channels=c1', 'tags=a,b'])).toEqual({
      workspaces: ['1', '2'],
      channels: ['c1'],
      tags: 'a,b',
    });
  });

  it('parses JSON values: arrays, objects, quoted strings', () => {
    expect(parseClaims(['workspaces=["w1", "w2"]', 'channels=[]', 'profile={"tier":"gold","n":1}', 'zip="007"', 'id="12"'])).toEqual({
      workspaces: ['w1', 'w2'],
      channels: [],
      profile: { tier: 'gold', n: 1 },
      zip: '007',
      id: '12',
    });
  });

  it('makes true and false booleans', () => {
    expect(parseClaims(['admin=true', 'beta=false', 'word=truthy'])).toEqual({ admin: true, beta: false, word: 'truthy' });
  });

  it('refuses a value that starts like JSON but is not', () => {
    expect(() => parseClaims(['workspaces=["w1"'])).toThrow(/--claim workspaces: the value is not valid JSON/);
  });

  it('keeps "=" inside the value', () => {
    expect(parseClaims(['note=a=b'])).toEqual({ note: 'a=b' });
  });
});

describe('signToken', () => {
  it('refuses claims that its own options set', async () => {
    await expect(signToken(SECRET, { sub: 'a', claims: { exp: 1 } })).rejects.toThrow(/"exp"/);
  });

  it('refuses an empty secret or sub', async () => {
    await expect(signToken('', { sub: 'a' })).rejects.toThrow(/secret/);
    await expect(signToken(SECRET, { sub: '' })).rejects.toThrow(/sub/);
  });
});

// The life rules of a token (src/auth/token-rules.ts) at their boundaries, with a fixed clock.
// Both authenticators are held to them end to end in auth.test.ts.
import { AuthError, type AuthFailure } from '../src/auth/authenticator';
import { checkLifetime, DEFAULT_TOKEN_RULES, joseOptions, tokenRules, type TokenRules } from '../src/auth/token-rules';
import { loadConfig } from '../src/config';

const NOW = 1_700_000_000;
const RULES: TokenRules = { maxAgeSeconds: 3600, clockToleranceSeconds: 30 };

function failure(payload: { iat?: number; exp?: number }, rules = RULES): AuthFailure | undefined {
  try {
    checkLifetime(payload, rules, NOW);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(AuthError);
    return (err as AuthError).reason;
  }
}

describe('checkLifetime', () => {
  it('refuses a token with neither exp nor iat', () => {
    expect(failure({})).toBe('claims');
  });

  it('bounds the age by iat: the maximum age plus the tolerance, inclusive', () => {
    expect(failure({ iat: NOW - 3630 })).toBeUndefined();
    expect(failure({ iat: NOW - 3631 })).toBe('expired');
    // exp still ahead changes nothing
    expect(failure({ iat: NOW - 3631, exp: NOW + 10_000 })).toBe('expired');
  });

  it('refuses iat in the future beyond the tolerance', () => {
    expect(failure({ iat: NOW + 30, exp: NOW + 60 })).toBeUndefined();
    expect(failure({ iat: NOW + 31, exp: NOW + 60 })).toBe('not_yet_valid');
  });

  it('without iat, bounds how far ahead exp may lie', () => {
    expect(failure({ exp: NOW + 3630 })).toBeUndefined();
    expect(failure({ exp: NOW + 3631 })).toBe('claims');
  });

  it('leaves exp itself to jose (an expired exp is not its business)', () => {
    expect(failure({ exp: NOW - 100 })).toBeUndefined();
  });
});

describe('tokenRules', () => {
  it('has the documented defaults: 24 h maximum age, 30 s tolerance', () => {
    expect(tokenRules(loadConfig({}))).toEqual({ ...DEFAULT_TOKEN_RULES, issuer: undefined, audience: undefined });
    expect(DEFAULT_TOKEN_RULES).toEqual({ maxAgeSeconds: 86_400, clockToleranceSeconds: 30 });
  });

  it('converts the configured milliseconds and lists', () => {
    const config = loadConfig({ AUTH_ISSUER: 'a, b', AUTH_AUDIENCE: 'c', AUTH_MAX_TOKEN_AGE_MS: '90000', AUTH_CLOCK_TOLERANCE_MS: '1500' });
    expect(tokenRules(config)).toEqual({ issuer: ['a', 'b'], audience: ['c'], maxAgeSeconds: 90, clockToleranceSeconds: 1.5 });
  });
});

describe('joseOptions', () => {
  it('pins the algorithms and passes issuer, audience and tolerance only', () => {
    expect(joseOptions({ ...RULES, issuer: ['i'], audience: ['a'] }, ['HS256'])).toEqual({
      algorithms: ['HS256'],
      issuer: ['i'],
      audience: ['a'],
      clockTolerance: 30,
    });
    expect(joseOptions(RULES, ['RS256'])).toEqual({ algorithms: ['RS256'], issuer: undefined, audience: undefined, clockTolerance: 30 });
  });
});

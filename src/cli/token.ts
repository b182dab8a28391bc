// `switchyard token --sub alice [--claim k=v ...] [--scope publish] [--ttl 1h]`: prints a token signed
// with the configured AUTH_JWT_SECRET (or the dev secret), for development and tests.
import { decodeJwt } from 'jose';
import { loadConfig } from '../config';
import { signToken } from '../auth/token';
import { parseOptions, UsageError, type Command } from './command';

export const TOKEN_USAGE = [
  'usage: switchyard token --sub <user id> [--claim key=value ...] [--scope publish] [--ttl 1h]',
  '',
  'Prints a token signed with AUTH_JWT_SECRET (the dev secret when unset), for development and tests.',
  '',
  '  --sub    the user id (required)',
  '  --claim  repeatable key=value; a value that starts with [ { or " is JSON (workspaces=["w1","w2"],',
  '           zip="007"); true and false are booleans; canonical integers become numbers; anything',
  '           else stays a string; workspaces=a,b and channels=a,b also become arrays',
  '  --scope  space-separated scopes, e.g. "publish" for back-end publishers',
  '  --ttl    lifetime such as 30m, 1h, 7d (default 1h; at most AUTH_MAX_TOKEN_AGE_MS)',
  '  iss and aud are the first of AUTH_ISSUER and AUTH_AUDIENCE when those are set',
  '  -h, --help',
].join('\n');

// Claims the command sets itself, and the option that does.
const CLAIM_OPTIONS: Record<string, string> = {
  sub: '--sub',
  scope: '--scope',
  exp: '--ttl',
  iat: '--ttl',
  iss: 'AUTH_ISSUER',
  aud: 'AUTH_AUDIENCE',
};
const LIST_CLAIMS = new Set(['workspaces', 'channels']);
// Canonical integers only: "007" (a zip code, a padded id) must keep its leading zeros as a string.
const INTEGER = /^-?(0|[1-9]\d*)$/;

// A value written as JSON (an array, an object, a quoted string) is that JSON value.
const JSON_START = /^\s*[[{"]/;

function claimValue(key: string, value: string): unknown {
  if (JSON_START.test(value)) {
    try {
      return JSON.parse(value);
    } catch (err) {
      throw new UsageError(`--claim ${key}: the value is not valid JSON (${(err as Error).message})`, TOKEN_USAGE);
    }
  }
  if (value === 'true' || value === 'false') return value === 'true';
  if (LIST_CLAIMS.has(key)) return value.split(',').map((v) => v.trim()).filter((v) => v !== '');
  if (INTEGER.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  return value;
}

/** Parses repeated `key=value` pairs; a pair without `=` or with an empty key is malformed. */
export function parseClaims(pairs: readonly string[]): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq > 0 ? pair.slice(0, eq).trim() : '';
    if (key === '') throw new UsageError(`malformed --claim "${pair}": expected key=value`, TOKEN_USAGE);
    if (key in claims) throw new UsageError(`--claim "${key}" given twice`, TOKEN_USAGE);
    claims[key] = claimValue(key, pair.slice(eq + 1));
  }
  return claims;
}

const TOKEN_OPTIONS = {
  sub: { type: 'string' },
  claim: { type: 'string', multiple: true },
  scope: { type: 'string' },
  ttl: { type: 'string' },
} as const;

/** `argv` is what follows the word `token`. Resolves with the signed token. */
export async function runTokenCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const values = parseOptions(argv, TOKEN_OPTIONS, TOKEN_USAGE);
  if (values.sub === undefined || values.sub === '') throw new UsageError('--sub is required', TOKEN_USAGE);
  const claims = parseClaims(values.claim ?? []);
  for (const [claim, option] of Object.entries(CLAIM_OPTIONS)) {
    if (claim in claims) throw new UsageError(`--claim ${claim}=... is not allowed, ${option} sets it`, TOKEN_USAGE);
  }

  const config = loadConfig(env);
  if (config.authJwtSecret === undefined) {
    throw new Error(
      'AUTH_JWKS_URL is configured: tokens come from that identity service, and switchyard can only sign with AUTH_JWT_SECRET',
    );
  }
  let token: string;
  try {
    // Minted to pass this gateway's own checks: its issuer and audience.
    const issuer = config.authIssuer?.[0];
    const audience = config.authAudience?.[0];
    token = await signToken(config.authJwtSecret, { sub: values.sub, claims, scope: values.scope, ttl: values.ttl, issuer, audience });
  } catch (err) {
    // jose rejects a bad --ttl with a TypeError ("Invalid time period format").
    if (err instanceof TypeError) throw new UsageError(`invalid --ttl "${values.ttl ?? ''}": ${err.message}`, TOKEN_USAGE);
    throw err;
  }
  const { iat = 0, exp = 0 } = decodeJwt(token);
  if ((exp - iat) * 1000 > config.authMaxTokenAgeMs) {
    throw new UsageError(`--ttl ${values.ttl ?? ''} is longer than AUTH_MAX_TOKEN_AGE_MS (${config.authMaxTokenAgeMs} ms): the gateway would refuse the token before it expires`, TOKEN_USAGE);
  }
  return token;
}

export const tokenCommand: Command = {
  summary: 'print a token signed with AUTH_JWT_SECRET, for development and tests',
  usage: TOKEN_USAGE,
  async run(argv, out) {
    out.write(`${await runTokenCommand(argv)}\n`);
    return 0;
  },
};

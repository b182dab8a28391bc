// `switchyard token --sub alice [--claim k=v ...] [--scope publish] [--ttl 1h]`: prints a token signed
// with the configured AUTH_JWT_SECRET (or the dev secret), for development and tests.
import { parseArgs } from 'node:util';
import { decodeJwt } from 'jose';
import { loadConfig } from '../config';
import { signToken } from '../auth/token';

export const TOKEN_USAGE = [
  'usage: switchyard token --sub <user id> [--claim key=value ...] [--scope publish] [--ttl 1h]',
  '  --claim  repeatable; integers become numbers; workspaces=a,b and channels=a,b become arrays',
  '  --scope  space-separated scopes, e.g. "publish" for back-end publishers',
  '  --ttl    lifetime such as 30m, 1h, 7d (default 1h; at most AUTH_MAX_TOKEN_AGE_MS)',
  '  iss and aud are the first of AUTH_ISSUER and AUTH_AUDIENCE when those are set',
].join('\n');

export class UsageError extends Error {
  constructor(problem: string) {
    super(`${problem}\n${TOKEN_USAGE}`);
    this.name = 'UsageError';
  }
}

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

function claimValue(key: string, value: string): unknown {
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
    if (key === '') throw new UsageError(`malformed --claim "${pair}": expected key=value`);
    if (key in claims) throw new UsageError(`--claim "${key}" given twice`);
    claims[key] = claimValue(key, pair.slice(eq + 1));
  }
  return claims;
}

function parseTokenArgs(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        sub: { type: 'string' },
        claim: { type: 'string', multiple: true },
        scope: { type: 'string' },
        ttl: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    // parseArgs throws on unknown options, missing option values and stray positionals.
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** `argv` is what follows the word `token`. Resolves with the signed token. */
export async function runTokenCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const values = parseTokenArgs(argv);
  if (values.sub === undefined || values.sub === '') throw new UsageError('--sub is required');
  const claims = parseClaims(values.claim ?? []);
  for (const [claim, option] of Object.entries(CLAIM_OPTIONS)) {
    if (claim in claims) throw new UsageError(`--claim ${claim}=... is not allowed, ${option} sets it`);
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
    if (err instanceof TypeError) throw new UsageError(`invalid --ttl "${values.ttl ?? ''}": ${err.message}`);
    throw err;
  }
  const { iat = 0, exp = 0 } = decodeJwt(token);
  if ((exp - iat) * 1000 > config.authMaxTokenAgeMs) {
    throw new UsageError(`--ttl ${values.ttl ?? ''} is longer than AUTH_MAX_TOKEN_AGE_MS (${config.authMaxTokenAgeMs} ms): the gateway would refuse the token before it expires`);
  }
  return token;
}

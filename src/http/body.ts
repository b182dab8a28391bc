// Request body parsing with a size limit: JSON and form-encoded bodies (messenger clients send forms).
// A body that cannot be read (malformed JSON, an unknown Content-Encoding), is too large or nests
// deeper than the JSON depth limit is refused here, before any handler sees it, as an HttpError the
// API's error boundary renders in its own shape; each refusal is reported by kind.
import { bodyParser } from '@koa/bodyparser';
import type { ParameterizedContext } from 'koa';
import { deeperThan, tooDeep } from '../validation/json-depth';
import { HttpError } from './errors';

export type BadBodyKind = 'malformed_body' | 'body_too_large' | 'too_deep';

export function parseBody(limitBytes: number, maxDepth: number, onBadBody: (kind: BadBodyKind) => void) {
  const parse = bodyParser({
    enableTypes: ['json', 'form'],
    // Numbers: raw-body parses a string limit ("1048576b") again on every request.
    jsonLimit: limitBytes,
    formLimit: limitBytes,
    // Strict JSON: a top-level string or number is a malformed body, not an empty object.
    jsonStrict: true,
    onError: (err) => {
      throw err;
    },
  });
  const refuse = (status: number, message: string, kind: BadBodyKind): HttpError => {
    onBadBody(kind);
    return new HttpError(status, message);
  };
  return async (ctx: ParameterizedContext, next: () => Promise<unknown>): Promise<void> => {
    try {
      await parse(ctx, async () => undefined);
    } catch (err) {
      // co-body's errors carry a status: 413 too large; 400 malformed; 415 an unknown
      // Content-Encoding, which is a body the gateway cannot read either (400, as the specs document).
      if ((err as { status?: unknown }).status === 413) throw refuse(413, 'Request body too large', 'body_too_large');
      throw refuse(400, 'Malformed request body', 'malformed_body');
    }
    if (deeperThan(ctx.request.body, maxDepth)) throw refuse(400, tooDeep(maxDepth), 'too_deep');
    await next();
  };
}

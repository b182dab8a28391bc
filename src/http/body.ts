// Request body parsing with a size limit: JSON and form-encoded bodies (messenger clients send forms).
import { bodyParser } from '@koa/bodyparser';

export function parseBody(limitBytes: number) {
  const limit = `${limitBytes}b`;
  return bodyParser({
    enableTypes: ['json', 'form'],
    jsonLimit: limit,
    formLimit: limit,
    // Strict JSON: a top-level string or number is a malformed body, not an empty object.
    jsonStrict: true,
    onError: (err) => {
      throw err; // errorBoundary renders it in the API's shape (400 or 413)
    },
  });
}

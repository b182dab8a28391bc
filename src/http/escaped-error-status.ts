// The status a client got for a request whose error escaped every handler: Koa's own error handler
// answers it (koa/lib/context.js onerror), and `ctx.status` still says 404 (Koa's default) then, so
// the request log and the metrics ask here instead.
import { STATUS_CODES } from 'node:http';

/** Koa's rule: the error's `status` (or `statusCode`) when it is a known HTTP status, else 500. */
export function escapedErrorStatus(err: unknown): number {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { status?: unknown; statusCode?: unknown };
  const status = e.status ?? e.statusCode;
  return typeof status === 'number' && STATUS_CODES[status] !== undefined ? status : 500;
}

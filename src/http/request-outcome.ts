// What the request log and the request metrics record of a request once it is answered: its route
// template and the status the client got. An error that escaped every handler is answered by Koa's
// own error handler (koa/lib/context.js onerror) after these middlewares, while `ctx.status` still
// says 404 (Koa's default), so its status is worked out here.
import { STATUS_CODES } from 'node:http';
import { routeTemplate, type RoutedContext } from './route-template';

/** Koa's rule: the error's `status` (or `statusCode`) when it is a known HTTP status, else 500. */
export function escapedErrorStatus(err: unknown): number {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { status?: unknown; statusCode?: unknown };
  const status = e.status ?? e.statusCode;
  return typeof status === 'number' && STATUS_CODES[status] !== undefined ? status : 500;
}

/** Runs the rest of the chain, then gives `done` the route template and the status answered (errors too, which it rethrows). */
export async function afterRequest(ctx: RoutedContext & { status: number }, next: () => Promise<unknown>, done: (route: string, status: number) => void): Promise<void> {
  let status: number | undefined;
  try {
    await next();
  } catch (err) {
    status = escapedErrorStatus(err);
    throw err;
  } finally {
    done(routeTemplate(ctx), status ?? ctx.status);
  }
}

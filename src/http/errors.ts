// Errors an HTTP handler throws to answer in its API's documented error shape.
import type { ParameterizedContext } from 'koa';

/** Renders an error body for one API (events: `{error}`, messenger: `{code, response}`, ...). */
export type ErrorFormat = (status: number, message: string, details?: unknown) => unknown;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Extra fields for the API's error body (e.g. validation errors, messenger code). */
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const plainError: ErrorFormat = (_status, message, details) =>
  details === undefined ? { error: message } : { error: message, errors: details };

/**
 * Koa middleware: turns HttpErrors (parseBody's refusals among them), other errors carrying a 4xx
 * status, and anything unexpected (500, logged) into `format`'s body. Nothing escapes as an
 * unhandled rejection.
 */
export function errorBoundary(format: ErrorFormat, onUnexpected: (err: unknown) => void) {
  return async (ctx: ParameterizedContext, next: () => Promise<unknown>): Promise<void> => {
    try {
      await next();
    } catch (err) {
      const status = statusOf(err);
      if (status === 500) onUnexpected(err);
      const message = status === 500 ? 'Internal error' : messageOf(err);
      ctx.status = status;
      ctx.body = format(status, message, err instanceof HttpError ? err.details : undefined);
    }
  };
}

function statusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  const status = (err as { status?: unknown })?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
}

function messageOf(err: unknown): string {
  return (err as Error | undefined)?.message || 'Bad request';
}

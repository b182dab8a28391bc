// One log line per HTTP request (method, route, status, duration, request id) at a configured level,
// and the request id on the response. A caller's (or a load balancer's) `X-Request-Id` is kept so one
// id follows a request across services; without a usable one, the gateway makes one.
import { randomUUID } from 'node:crypto';
import type { ParameterizedContext } from 'koa';
import type { LogLevel } from '../config';
import type { Logger } from '../log';
import { afterRequest } from './request-outcome';

export const REQUEST_ID_HEADER = 'x-request-id';
// Printable, bounded and free of spaces and quotes: it goes into logs and back into a header.
const USABLE_ID = /^[A-Za-z0-9._:@/+=-]{1,200}$/;
// Probes and scrapes arrive every few seconds; they are logged one level lower unless they fail.
const OPS_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

function requestId(ctx: ParameterizedContext): string {
  const given = ctx.get(REQUEST_ID_HEADER);
  return USABLE_ID.test(given) ? given : randomUUID();
}

export function requestLog(log: Logger, level: LogLevel) {
  const quiet: LogLevel = level === 'silent' || level === 'trace' ? level : 'debug';
  return async (ctx: ParameterizedContext, next: () => Promise<unknown>): Promise<void> => {
    const started = process.hrtime.bigint();
    const id = requestId(ctx);
    ctx.state.requestId = id;
    ctx.set('X-Request-Id', id);
    // The route template, not the raw path: paths carry secrets (`?secret=`) and ids.
    await afterRequest(ctx, next, (route, status) => {
      const lineLevel = OPS_ROUTES.has(route) && status < 400 ? quiet : level;
      if (lineLevel !== 'silent' && log.isLevelEnabled(lineLevel)) {
        const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
        log[lineLevel]({ requestId: id, method: ctx.method, route, status, durationMs: Math.round(durationMs * 1000) / 1000 }, 'request');
      }
    });
  };
}

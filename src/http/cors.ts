// CORS for every HTTP surface (CORS_ORIGINS, CORS_CREDENTIALS): the REST endpoints of all APIs,
// publish and operations through @koa/cors mounted before every router (so a preflight OPTIONS is
// answered here, before the 405/501 method layer), and socket.io's polling transport through
// socket.io's own `cors` option (engine.io answers /socket.io/ before Koa sees it). An origin not
// allowed gets no CORS headers: its browser refuses the answer. WebSocket upgrades are not CORS.
import koaCors from '@koa/cors';
import type { Middleware } from 'koa';
import type { ServerOptions } from 'socket.io';
import type { Config } from '../config';

/** How long a browser may cache a preflight's answer (seconds). */
export const PREFLIGHT_MAX_AGE_S = 600;
/**
 * Headers a browser script may read besides the CORS-safelisted ones (X-Poll-Timeout: why a
 * messenger poll answered 204).
 */
const EXPOSED = ['Retry-After', 'X-Request-Id', 'WWW-Authenticate', 'Allow', 'X-Poll-Timeout'];

type CorsSettings = Pick<Config, 'corsOrigins' | 'corsCredentials'>;

/** The request's origin when it is allowed, else undefined. */
export function allowedOrigin(settings: CorsSettings, origin: string | undefined): string | undefined {
  if (!origin) return undefined;
  return settings.corsOrigins === '*' || settings.corsOrigins.includes(origin) ? origin : undefined;
}

/** Koa middleware for the REST endpoints: the allowed origin echoed (never `*`, so credentials work). */
export function restCors(settings: CorsSettings): Middleware {
  return koaCors({
    origin: (ctx) => allowedOrigin(settings, ctx.get('Origin')) ?? '',
    credentials: settings.corsCredentials,
    allowMethods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH'],
    exposeHeaders: EXPOSED,
    maxAge: PREFLIGHT_MAX_AGE_S,
  });
}

/** socket.io's `cors` option: the `cors` package's options (not its per-request delegate form). */
type SocketIoCors = Exclude<NonNullable<ServerOptions['cors']>, (...args: never[]) => unknown>;

/** socket.io's `cors` option (the `cors` package engine.io uses), same rules. */
export function socketIoCors(settings: CorsSettings): SocketIoCors {
  return {
    origin: (origin, answer) => answer(null, allowedOrigin(settings, origin) ?? false),
    credentials: settings.corsCredentials,
    methods: ['GET', 'POST'],
    maxAge: PREFLIGHT_MAX_AGE_S,
  };
}

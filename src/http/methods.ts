// What a request no route took is answered, once every API's router has passed on it:
// - a method the gateway does not recognise (anything but the methods of koa-router's default
//   list: TRACE, QUERY, CONNECT, PROPFIND...): 501, on any path;
// - a path an API serves, with a method it does not serve there: 405 with `Allow` (OPTIONS: 204
//   with `Allow`);
// - anything else: 404.
// 501 and 405 bodies are in the shape of the API that owns the path (plain `{error}` otherwise).
import type Router from '@koa/router';
import type { ParameterizedContext } from 'koa';
import { plainError, type ErrorFormat } from './errors';

const RECOGNISED = new Set(['HEAD', 'OPTIONS', 'GET', 'PUT', 'PATCH', 'POST', 'DELETE']);

export interface RoutedApi {
  router: Router;
  format: ErrorFormat;
}

export function unmatchedRequests(apis: readonly RoutedApi[]) {
  return (ctx: ParameterizedContext): void => {
    const { method, path } = ctx;
    let owner: RoutedApi | undefined;
    const allowed = new Set<string>();
    for (const api of apis) {
      for (const layer of api.router.match(path, method).path) {
        if (layer.methods.length === 0) continue; // middleware, not a route
        owner ??= api;
        layer.methods.forEach((m) => allowed.add(m));
      }
    }
    const format = owner?.format ?? plainError;
    if (!RECOGNISED.has(method)) {
      ctx.status = 501;
      ctx.body = format(501, `Method ${method} is not implemented`);
    } else if (owner) {
      ctx.set('Allow', [...allowed, 'OPTIONS'].join(', '));
      if (method === 'OPTIONS') {
        ctx.status = 204;
      } else {
        ctx.status = 405;
        ctx.body = format(405, `Method ${method} is not allowed on ${path}; allowed: ${[...allowed].join(', ')}`);
      }
    } else {
      ctx.status = 404;
      ctx.body = { error: 'Not found' };
    }
  };
}

// The route template a request matched (`/publish/v1/:api/batch`), for the request log and the
// request metrics: never the raw path, which carries ids and secrets and would make labels unbounded.

/** What @koa/router leaves on the context: every layer the path matched, and `_matchedRoute`. */
export interface RoutedContext {
  method: string;
  matched?: readonly { methods: readonly string[]; path: string | RegExp }[];
  _matchedRoute?: string | RegExp;
}

/**
 * The path of the last matched layer serving the request's method: the route @koa/router itself
 * names before it runs the layers. `_matchedRoute` alone will not do: the router moves it to each
 * layer as it runs it, `router.use` middleware too (whose path is `(?:\/|$)`), so it names the
 * middleware when one throws or answers (a malformed body). `unmatched` when no route matched.
 */
export function routeTemplate(ctx: RoutedContext): string {
  const matched = ctx.matched ?? [];
  for (let i = matched.length - 1; i >= 0; i--) {
    if (matched[i].methods.includes(ctx.method)) return String(matched[i].path);
  }
  return String(ctx._matchedRoute ?? 'unmatched');
}
